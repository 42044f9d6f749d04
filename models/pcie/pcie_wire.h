/* pcie_wire.h - PCIe wire facts as pure functions, and the published analytical throughput model */
#ifndef IOVSIM_PCIE_WIRE_H
#define IOVSIM_PCIE_WIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "tlp.h"

/*
 * Everything here is a pure function of its arguments (no state, no
 * allocation), so the link model, the analytical model, the docs and the
 * tests share one source of truth. Values and their sources: FACTS.md,
 * "PCIe link layer" (PCI Express Base Specification r5.0; accounting as in
 * Neugebauer et al., "Understanding PCIe performance for end host
 * networking", SIGCOMM 2018). docs/models/pcie-link.md has the formulas.
 */

#define PCIE_GEN_MIN 1
#define PCIE_GEN_MAX 6

#define PCIE_TLP_FRAMING 8      /* STP/END (or Gen3 STP token), sequence number, LCRC */
#define PCIE_HDR_COMMON 4       /* first header DW: fmt/type, TC, attrs, length */
#define PCIE_ECRC_BYTES 4       /* optional TLP digest */
#define PCIE_DLLP_BYTES 8       /* 2 B framing + 4 B DLLP + 2 B CRC */
#define PCIE_SKP_SYMBOLS 4      /* SKP ordered set: symbol times on every lane ... */
#define PCIE_SKP_INTERVAL 1538  /* ... per this many symbol times */
#define PCIE_CREDIT_BYTES 16    /* one data credit = 4 DW */
#define PCIE_RCB 64             /* read completion boundary of root complexes that split at RCB */

/* Validity of the configuration values the link accepts. */
bool pcie_gen_valid(unsigned gen);                      /* 1..6 */
bool pcie_width_valid(unsigned width);                  /* 1, 2, 4, 8, 12, 16, 32 */
bool pcie_size_valid(unsigned bytes);                   /* MPS/MRRS: 128..4096, power of two */

/* Transfer rate in GT/s per lane: 2.5, 5, 8, 16, 32, 64. 0 for an invalid gen. */
double pcie_gt_per_s(unsigned gen);

/* Data rate per lane after line encoding, Gb/s: Gen1/2 8b/10b, Gen3-5 128b/130b,
 * Gen6 PAM4 FLIT mode counted as 242 B of TLP/DLLP bytes per 256 B FLIT.
 * Gen3 = 7.877. 0 for an invalid gen. */
double pcie_lane_gbps(unsigned gen);

/* pcie_lane_gbps * width. */
double pcie_link_gbps(unsigned gen, unsigned width);

/*
 * Time of one byte on one lane (a symbol time for Gen1/2) as an exact
 * fraction num/den of picoseconds: Gen1 4000/1, Gen2 2000/1, Gen3 8125/8
 * (1015.625 ps), Gen4 8125/16, Gen5 8125/32, Gen6 16000/121. {0, 1} for an
 * invalid gen.
 */
struct pcie_byte_time {
	uint64_t num, den;
};
struct pcie_byte_time pcie_byte_time(unsigned gen);

/* Header bytes of a TLP: 4 B common + 8 B (3DW: 32-bit address, completions)
 * or + 12 B (4DW: 64-bit address, messages). */
unsigned pcie_tlp_header_bytes(enum tlp_type type, bool addr64);

/* Bytes on the wire besides the payload: framing/seq/LCRC + header + ECRC.
 * MWr64 / MRd64 = 24, MWr32 / MRd32 = 20, CplD / Cpl = 20; +4 with ECRC. */
unsigned pcie_tlp_overhead(enum tlp_type type, bool addr64, bool ecrc);

/* Payload bytes a TLP carries: len for MWr, CplD and Msg; 0 for MRd (len is
 * the amount requested) and Cpl. */
uint32_t pcie_tlp_payload(enum tlp_type type, uint32_t len);

/* Whole TLP on the wire: overhead + payload. An MSI (MWr, 4 B) is 28 B with a
 * 64-bit address. */
uint32_t pcie_tlp_wire_bytes(enum tlp_type type, bool addr64, bool ecrc, uint32_t len);

/* Data credits a payload consumes: ceil(payload / 16). */
uint32_t pcie_data_credits(uint32_t payload);

/* Flow-control class of a TLP type. */
enum pcie_fc_class { PCIE_FC_P = 0, PCIE_FC_NP, PCIE_FC_CPL, PCIE_FC__COUNT };
enum pcie_fc_class pcie_fc_class_of(enum tlp_type type);
const char *pcie_fc_class_name(enum pcie_fc_class c);  /* "p", "np", "cpl" */

/*
 * Recommended Ack latency limit / UpdateFC interval, in symbol times, from
 * the tables in FACTS.md (Base Spec r5.0 Tables 3-7..3-9 and 2-46..2-48):
 * Gen1, Gen2, and one table for Gen3 and later (Gen6 reuses it: the tables
 * FACTS.md gives stop at Gen5). x12 is not in FACTS.md: it is interpolated on
 * 1/width between x8 and x16, round((v8 + 2 * v16) / 3), which is exact where
 * the spec's formula uses the same AckFactor for both widths.
 * Returns -1 for an invalid gen, width or MPS.
 */
int pcie_dllp_interval(unsigned gen, unsigned width, unsigned mps);

/*
 * Bandwidth left for TLPs in one direction, Gb/s, as the published model
 * counts it: raw * (1 - 8/ack - 8/updatefc - skp), where ack = updatefc =
 * pcie_dllp_interval() * dllp_scale (the interval read as bytes of link time;
 * dllp_scale <= 0 means 1) and skp = 4/1538 (0 when skp is false).
 * Returns 0 for an invalid configuration.
 */
double pcie_tlp_gbps(unsigned gen, unsigned width, unsigned mps, double dllp_scale, bool skp);

/*
 * Splitting a transfer: the size of the next piece of a transfer at addr with
 * 'left' bytes to go when pieces may not cross a multiple of 'chunk' (a power
 * of two: MPS, MRRS, RCB, 4 KiB). Returns min(left, chunk - addr % chunk).
 */
uint32_t pcie_split_next(uint64_t addr, uint64_t left, uint32_t chunk);

/* Number of pieces pcie_split_next makes of [addr, addr + len); 0 for len 0. */
uint64_t pcie_split_count(uint64_t addr, uint64_t len, uint32_t chunk);

/* ------------------------------------------------------------------------ */
/* The analytical model (pcie_analytic.c).                                  */

enum pcie_op { PCIE_OP_READ = 0, PCIE_OP_WRITE, PCIE_OP_READWRITE };

struct pcie_analytic_cfg {
	unsigned gen, width;
	unsigned mps, mrrs;
	bool rcb_split;         /* completions split at 64 B RCB boundaries instead of MPS */
	bool addr64;            /* 4DW request headers (the validation grid uses true) */
	bool ecrc;
	bool no_skp;            /* leave out SKP ordered sets (the link's skp: false) */
	double dllp_scale;      /* DLLP interval scale (<= 0: 1, the published reading) */
};

struct pcie_analytic {
	double tlp_gbps;        /* per direction, after DLLP and SKP overhead */
	uint64_t up_bytes;      /* wire bytes per transfer, device -> host */
	uint64_t down_bytes;    /* wire bytes per transfer, host -> device */
	uint64_t up_tlps, down_tlps;
	double read_gbps;       /* payload throughput of reads (data returned to the device) */
	double write_gbps;      /* payload throughput of writes */
};

/*
 * Payload throughput when one function saturates the link with transfers of
 * 'size' bytes, each starting 4 KiB aligned. Writes: MWr TLPs split at MPS
 * and 4 KiB, each payload + 24 B (64-bit) upstream. Reads: MRd requests split
 * at MRRS and 4 KiB, 24 B each upstream; each request answered by CplD split
 * at MPS (or 64 B with rcb_split), payload + 20 B each downstream.
 * readwrite: one read and one write of 'size' per transfer, sharing both
 * directions. Throughput = payload / max over directions of (bytes / tlp_gbps).
 * Returns 0, or -1 for an invalid configuration or size 0 (out untouched).
 */
int pcie_analytic_throughput(const struct pcie_analytic_cfg *cfg, enum pcie_op op,
			     uint64_t size, struct pcie_analytic *out);

#endif

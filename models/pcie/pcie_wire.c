/* pcie_wire.c - PCIe wire facts: rates, encodings, TLP sizes, credits, DLLP interval tables */
#include "pcie_wire.h"

/* Widths the tables have rows for (x12 is interpolated, see pcie_dllp_interval). */
static const unsigned pcie_table_widths[] = { 1, 2, 4, 8, 16, 32 };
#define PCIE_NWIDTHS (sizeof(pcie_table_widths) / sizeof(pcie_table_widths[0]))
#define PCIE_NMPS 6     /* 128, 256, 512, 1024, 2048, 4096 */

/*
 * Ack latency limit = UpdateFC interval, symbol times (FACTS.md, Base Spec
 * r5.0 Tables 3-7..3-9 and 2-46..2-48). [table][width row][mps column].
 * Table 0: Gen1, 1: Gen2, 2: Gen3 and later.
 */
static const short pcie_dllp_table[3][PCIE_NWIDTHS][PCIE_NMPS] = {
	{       /* Gen1 */
		{ 237, 416, 559, 1071, 2095, 4143 },
		{ 128, 217, 289, 545, 1057, 2081 },
		{ 73, 118, 154, 282, 538, 1050 },
		{ 67, 107, 86, 150, 278, 534 },
		{ 48, 72, 86, 150, 278, 534 },
		{ 33, 45, 52, 84, 148, 276 },
	},
	{       /* Gen2 */
		{ 288, 467, 610, 1122, 2146, 4194 },
		{ 179, 268, 340, 596, 1108, 2132 },
		{ 124, 169, 205, 333, 589, 1101 },
		{ 118, 158, 137, 201, 329, 585 },
		{ 99, 123, 137, 201, 329, 585 },
		{ 84, 96, 103, 135, 199, 237 },
	},
	{       /* Gen3, Gen4, Gen5 (and Gen6 here) */
		{ 333, 512, 655, 1167, 2191, 4239 },
		{ 224, 313, 385, 641, 1153, 2177 },
		{ 169, 214, 250, 378, 634, 1146 },
		{ 163, 203, 182, 246, 374, 630 },
		{ 144, 168, 182, 246, 374, 630 },
		{ 129, 141, 148, 180, 244, 372 },
	},
};

bool pcie_gen_valid(unsigned gen)
{
	return gen >= PCIE_GEN_MIN && gen <= PCIE_GEN_MAX;
}

bool pcie_width_valid(unsigned width)
{
	return width == 12 || (width >= 1 && width <= 32 && (width & (width - 1)) == 0);
}

bool pcie_size_valid(unsigned bytes)
{
	return bytes >= 128 && bytes <= 4096 && (bytes & (bytes - 1)) == 0;
}

double pcie_gt_per_s(unsigned gen)
{
	static const double gt[] = { 0, 2.5, 5.0, 8.0, 16.0, 32.0, 64.0 };
	return pcie_gen_valid(gen) ? gt[gen] : 0.0;
}

double pcie_lane_gbps(unsigned gen)
{
	if (!pcie_gen_valid(gen))
		return 0.0;
	if (gen <= 2)
		return pcie_gt_per_s(gen) * 8.0 / 10.0;
	if (gen <= 5)
		return pcie_gt_per_s(gen) * 128.0 / 130.0;
	return pcie_gt_per_s(gen) * 242.0 / 256.0;
}

double pcie_link_gbps(unsigned gen, unsigned width)
{
	return pcie_width_valid(width) ? pcie_lane_gbps(gen) * width : 0.0;
}

struct pcie_byte_time pcie_byte_time(unsigned gen)
{
	/* 8 bits / lane rate: 8 / (2 Gb/s) = 4 ns; 8 / (8 * 128/130 Gb/s) = 8125/8 ps;
	 * Gen6: 8 / (64 * 242/256 Gb/s) = 16000/121 ps. */
	switch (gen) {
	case 1: return (struct pcie_byte_time){ 4000, 1 };
	case 2: return (struct pcie_byte_time){ 2000, 1 };
	case 3: return (struct pcie_byte_time){ 8125, 8 };
	case 4: return (struct pcie_byte_time){ 8125, 16 };
	case 5: return (struct pcie_byte_time){ 8125, 32 };
	case 6: return (struct pcie_byte_time){ 16000, 121 };
	default: return (struct pcie_byte_time){ 0, 1 };
	}
}

unsigned pcie_tlp_header_bytes(enum tlp_type type, bool addr64)
{
	switch (type) {
	case TLP_MRD:
	case TLP_MWR:
		return PCIE_HDR_COMMON + (addr64 ? 12 : 8);
	case TLP_CPLD:
	case TLP_CPL:
		return PCIE_HDR_COMMON + 8;
	case TLP_MSG:
	default:
		return PCIE_HDR_COMMON + 12;
	}
}

unsigned pcie_tlp_overhead(enum tlp_type type, bool addr64, bool ecrc)
{
	return PCIE_TLP_FRAMING + pcie_tlp_header_bytes(type, addr64) + (ecrc ? PCIE_ECRC_BYTES : 0);
}

uint32_t pcie_tlp_payload(enum tlp_type type, uint32_t len)
{
	return (type == TLP_MWR || type == TLP_CPLD || type == TLP_MSG) ? len : 0;
}

uint32_t pcie_tlp_wire_bytes(enum tlp_type type, bool addr64, bool ecrc, uint32_t len)
{
	return pcie_tlp_overhead(type, addr64, ecrc) + pcie_tlp_payload(type, len);
}

uint32_t pcie_data_credits(uint32_t payload)
{
	return (uint32_t)(((uint64_t)payload + PCIE_CREDIT_BYTES - 1) / PCIE_CREDIT_BYTES);
}

enum pcie_fc_class pcie_fc_class_of(enum tlp_type type)
{
	switch (type) {
	case TLP_MRD:
		return PCIE_FC_NP;
	case TLP_CPLD:
	case TLP_CPL:
		return PCIE_FC_CPL;
	case TLP_MWR:
	case TLP_MSG:
	default:
		return PCIE_FC_P;
	}
}

const char *pcie_fc_class_name(enum pcie_fc_class c)
{
	static const char *const names[] = { "p", "np", "cpl" };
	return c < PCIE_FC__COUNT ? names[c] : "?";
}

static int pcie_width_row(unsigned width)
{
	for (unsigned i = 0; i < PCIE_NWIDTHS; i++)
		if (pcie_table_widths[i] == width)
			return (int)i;
	return -1;
}

static int pcie_mps_col(unsigned mps)
{
	if (!pcie_size_valid(mps))
		return -1;
	int col = 0;
	for (unsigned m = 128; m < mps; m <<= 1)
		col++;
	return col;
}

int pcie_dllp_interval(unsigned gen, unsigned width, unsigned mps)
{
	if (!pcie_gen_valid(gen) || !pcie_width_valid(width))
		return -1;
	int col = pcie_mps_col(mps);
	if (col < 0)
		return -1;
	int tab = gen >= 3 ? 2 : (int)gen - 1;
	if (width == 12) {
		int v8 = pcie_dllp_table[tab][3][col], v16 = pcie_dllp_table[tab][4][col];
		return (v8 + 2 * v16 + 1) / 3;
	}
	return pcie_dllp_table[tab][pcie_width_row(width)][col];
}

double pcie_tlp_gbps(unsigned gen, unsigned width, unsigned mps, double dllp_scale, bool skp)
{
	int limit = pcie_dllp_interval(gen, width, mps);
	if (limit <= 0)
		return 0.0;
	double scale = dllp_scale > 0 ? dllp_scale : 1.0;
	double interval = limit * scale;
	double overhead = 2.0 * PCIE_DLLP_BYTES / interval;     /* one Ack + one UpdateFC */
	if (skp)
		overhead += (double)PCIE_SKP_SYMBOLS / PCIE_SKP_INTERVAL;
	return pcie_link_gbps(gen, width) * (1.0 - overhead);
}

uint32_t pcie_split_next(uint64_t addr, uint64_t left, uint32_t chunk)
{
	uint64_t room = chunk - (addr & ((uint64_t)chunk - 1));
	return (uint32_t)(left < room ? left : room);
}

uint64_t pcie_split_count(uint64_t addr, uint64_t len, uint32_t chunk)
{
	if (len == 0)
		return 0;
	/* Pieces = chunk-aligned windows the range touches. */
	uint64_t first = addr / chunk, last = (addr + len - 1) / chunk;
	return last - first + 1;
}

/* pcie_analytic.c - the published analytical PCIe throughput model (Neugebauer et al., SIGCOMM 2018)
 *
 * One function saturates one link with back-to-back transfers of one size.
 * Each direction carries its TLPs at pcie_tlp_gbps() (raw rate after line
 * encoding, minus one Ack and one UpdateFC DLLP per interval and SKP ordered
 * sets); the direction that needs the most time per transfer sets the pace.
 * The formulas, with a worked example, are in docs/models/pcie-link.md.
 */
#include "pcie_wire.h"

#define PCIE_4K 4096u

/* Completions answering one aligned transfer of 'len' bytes split into
 * requests of at most 'req' bytes, each answered in pieces of 'chunk'. */
static uint64_t pcie_cpl_count(uint64_t len, unsigned req, unsigned chunk)
{
	uint64_t full = len / req, rem = len % req;
	return full * pcie_split_count(0, req, chunk) + pcie_split_count(0, rem, chunk);
}

/* Requests of at most 'max' bytes that do not cross 4 KiB, for an aligned
 * transfer (max <= 4 KiB, a power of two: the 4 KiB boundaries coincide). */
static uint64_t pcie_req_count(uint64_t len, unsigned max)
{
	return pcie_split_count(0, len, max < PCIE_4K ? max : PCIE_4K);
}

static bool pcie_analytic_cfg_valid(const struct pcie_analytic_cfg *c)
{
	return pcie_gen_valid(c->gen) && pcie_width_valid(c->width) && pcie_size_valid(c->mps) &&
	       pcie_size_valid(c->mrrs);
}

int pcie_analytic_throughput(const struct pcie_analytic_cfg *cfg, enum pcie_op op,
			     uint64_t size, struct pcie_analytic *out)
{
	if (!pcie_analytic_cfg_valid(cfg) || size == 0 || op > PCIE_OP_READWRITE)
		return -1;
	bool reads = op != PCIE_OP_WRITE, writes = op != PCIE_OP_READ;
	uint64_t wr = writes ? size : 0, rd = reads ? size : 0;
	uint64_t n_wr = pcie_req_count(wr, cfg->mps);
	uint64_t n_rd = pcie_req_count(rd, cfg->mrrs);
	unsigned chunk = cfg->rcb_split ? PCIE_RCB : cfg->mps;
	uint64_t n_cpl = reads ? pcie_cpl_count(rd, cfg->mrrs, chunk) : 0;

	struct pcie_analytic r = { 0 };
	r.tlp_gbps = pcie_tlp_gbps(cfg->gen, cfg->width, cfg->mps, cfg->dllp_scale, !cfg->no_skp);
	r.up_tlps = n_wr + n_rd;
	r.down_tlps = n_cpl;
	r.up_bytes = wr + n_wr * pcie_tlp_overhead(TLP_MWR, cfg->addr64, cfg->ecrc) +
		     n_rd * pcie_tlp_overhead(TLP_MRD, cfg->addr64, cfg->ecrc);
	r.down_bytes = rd + n_cpl * pcie_tlp_overhead(TLP_CPLD, cfg->addr64, cfg->ecrc);

	/* ns per transfer in each direction (bits / (Gb/s)); the slower one sets the pace. */
	double t_up = (double)r.up_bytes * 8.0 / r.tlp_gbps;
	double t_down = (double)r.down_bytes * 8.0 / r.tlp_gbps;
	double t = t_up > t_down ? t_up : t_down;
	r.read_gbps = (double)rd * 8.0 / t;
	r.write_gbps = (double)wr * 8.0 / t;
	*out = r;
	return 0;
}

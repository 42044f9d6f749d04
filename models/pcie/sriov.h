/* sriov.h - the SR-IOV extended capability of a PF and the VFs it brings up (contract)
 *
 * Registers are the only truth (the QEMU hw/pci/pcie_sriov.c idea): the
 * capability is SRIOV_CAP_SIZE bytes of config space plus a write mask; every
 * piece of state (how many VFs exist, their routing IDs and BARs) is derived
 * from those bytes when VF Enable goes 0 -> 1, and the spec's locks are
 * enforced by the mask: while VF Enable is set, NumVFs, ARI Capable Hierarchy
 * and the VF BARs do not take writes. InitialVFs, TotalVFs, First VF Offset,
 * VF Stride, VF Device ID and Supported Page Sizes are read-only.
 *
 * VF n (1-based, n = 1..NumVFs; Linux's virtfn(n-1)) has
 *   routing ID = PF RID + First VF Offset + (n-1) * VF Stride   (FACTS.md)
 * taken as a 16-bit number: with ARI the low 8 bits are the function number
 * and a VF may land on a bus after the PF's. The enumerator reserves those
 * buses below the PF's port as Linux does (compute_max_vf_buses at TotalVFs,
 * added to the bus range in pci_scan_child_bus_extend). Without ARI Capable
 * Hierarchy only device 0 of the PF's bus is reachable below a port, so VFs
 * must fit in functions 1..7 of it.
 * VF BARs: VF BAR k (a 64-bit memory BAR in VF BAR registers 2k, 2k+1, so
 * at most SRIOV_MAX_VF_BARS) is one region; VF n's BAR k is at
 * base_k + (n-1) * size_k. Enumeration reserves TotalVFs * size_k for it (as
 * Linux sriov_init sizes the IOV resource), aligned to size_k, inside the
 * port's window; with VF MSE the PF decodes NumVFs * size_k of it.
 *
 * VFs are struct pcie_fn of kind PCIE_FN_ENDPOINT with fn.sriov pointing at
 * their PF's capability and fn.vf = n; fn.c is the PF's component (the
 * component owns all its VFs and receives their TLPs on its port), fn.name
 * is "<component>.vf<n>", fn.dev is NULL (a VF is not a function of the
 * PF's multi-function device; Linux gives VFs multifunction = 0). They exist
 * only while VF Enable is set: created and added to the topology (so the
 * IOMMU, the audit, pcie_fn_by_rid / pcie_fn_at find them) at 0 -> 1,
 * removed at 1 -> 0. Each has its own Bus Master Enable (off after creation
 * and after FLR, as after reset; the boot-time enable sets it) and its own
 * Function Level Reset.
 *
 * Who calls what:
 *   the device model (endpoint.c does it for every pcie_ep with 'sriov:')
 *     sriov_create at create time, sriov_set_ops to hear about VF life;
 *   the enumerator (topo.c) sriov_bus_span / sriov_vf_bar_span /
 *     sriov_attach / sriov_boot;
 *   a PF driver model (hypervisor, NIC) sriov_enable_vfs / sriov_disable_vfs,
 *     or raw sriov_cfg_write;
 *   the device model's port handler sriov_fn_for_tlp to tell which function
 *     an arriving TLP is for.
 * All calls are for one simulation thread; none allocates on the hot path
 * (VF structures are allocated for TotalVFs once, at create).
 *
 * Not modelled: VF Migration (Capable/Enable/Status, the migration state
 * array), Function Dependency Link semantics, First VF Offset / VF Stride
 * changing with NumVFs or ARI (they are constants), page sizes other than
 * 4 KiB, 32-bit VF BARs, I/O space, several PFs sharing one capability set,
 * the VF's own config space beyond BME / FLR (VFs have no ACS of their own:
 * Linux treats them as single-function devices).
 */
#ifndef IOVSIM_SRIOV_H
#define IOVSIM_SRIOV_H

#include <stdbool.h>
#include <stdint.h>

#include "pcie_topo.h"
#include "sim.h"

/* Extended capability ID (FACTS.md) and layout (PCIe Base Spec 9.3.3),
 * offsets from the start of the capability. */
#define SRIOV_CAP_ID            0x0010
#define SRIOV_CAP_VERSION       1
#define SRIOV_HDR               0x00    /* 32: ID, version, next */
#define SRIOV_CAPS              0x04    /* 32: SR-IOV Capabilities (RO) */
#define SRIOV_CTRL              0x08    /* 16: SR-IOV Control */
#define SRIOV_STATUS            0x0a    /* 16: SR-IOV Status */
#define SRIOV_INITIAL_VFS       0x0c    /* 16, RO */
#define SRIOV_TOTAL_VFS         0x0e    /* 16, RO */
#define SRIOV_NUM_VFS           0x10    /* 16, RW (locked while VF Enable) */
#define SRIOV_FN_DEP_LINK       0x12    /* 8, RO */
#define SRIOV_FIRST_VF_OFFSET   0x14    /* 16, RO */
#define SRIOV_VF_STRIDE         0x16    /* 16, RO */
#define SRIOV_VF_DEVICE_ID      0x1a    /* 16, RO */
#define SRIOV_SUP_PAGE_SIZES    0x1c    /* 32, RO */
#define SRIOV_SYS_PAGE_SIZE     0x20    /* 32, RW (locked while VF Enable) */
#define SRIOV_VF_BAR(i)         (0x24 + 4 * (i))   /* 32 each, i = 0..5 */
#define SRIOV_MIGR_ARRAY        0x3c    /* 32, RO (0: no migration) */
#define SRIOV_CAP_SIZE          0x40

/* SR-IOV Control bits. */
#define SRIOV_CTRL_VFE          (1u << 0)       /* VF Enable */
#define SRIOV_CTRL_VFM          (1u << 1)       /* VF Migration Enable (not modelled: RO 0) */
#define SRIOV_CTRL_VFMIE        (1u << 2)       /* VF Migration Interrupt Enable (RO 0) */
#define SRIOV_CTRL_MSE          (1u << 3)       /* VF Memory Space Enable */
#define SRIOV_CTRL_ARI          (1u << 4)       /* ARI Capable Hierarchy */

/* VF BAR register low bits: 64-bit (type 10b) prefetchable memory BAR. */
#define SRIOV_BAR_TYPE          0xcu
#define SRIOV_MAX_VF_BARS       3
#define SRIOV_MAX_VFS           256             /* one bus's worth with ARI */
#define SRIOV_PAGE_4K           0x1u            /* Supported/System Page Size bit 0 */

/* The scenario's 'sriov:' map on a device (parsed by sriov_create). */
struct sriov_params {
	uint64_t total_vfs;             /* TotalVFs (= InitialVFs) */
	uint64_t num_vfs;               /* VFs the boot-time PF driver enables (0: none) */
	uint64_t first_vf_offset;       /* First VF Offset */
	uint64_t vf_stride;             /* VF Stride */
	uint64_t vf_device_id;          /* VF Device ID */
	const struct cfg_node *vf_bars; /* list of VF BAR sizes (each a power of two >= 4 KiB) */
	int ari;                        /* the port above has ARI Forwarding: system software
					 * sets ARI Capable Hierarchy */
	int vf_bme;                     /* boot-time enable sets each VF's Bus Master Enable */
	sim_time_t flr_time;            /* Function Level Reset duration (FACTS.md: <= 100 ms) */
};

struct sriov_pf;

/* What the device model hears about its VFs. Every member may be NULL; they
 * run inside whatever called the register write (an event, or elaboration)
 * and may schedule events. ctx is the model's (sriov_set_ops). */
struct sriov_ops {
	/* VFs 1..n were just created (VF Enable 0 -> 1); their RIDs, BARs and
	 * pcie_fn exist; the model attaches per-VF state (fn.msix, queues). */
	void (*vfs_enabled)(void *ctx, struct sriov_pf *sp, unsigned n);
	/* VFs 1..n are about to be removed (VF Enable 1 -> 0, or PF reset): drop
	 * per-VF state; their pcie_fn stay allocated but leave the topology. */
	void (*vfs_disabled)(void *ctx, struct sriov_pf *sp, unsigned n);
	/* VF n's Function Level Reset started (start = true: BME is already
	 * clear, the model must drop the VF's queues and outstanding work) or
	 * completed flr_time later (start = false: the VF may be used again). */
	void (*vf_flr)(void *ctx, struct sriov_pf *sp, unsigned n, bool start);
};

/* One VF. fn is what the hierarchy sees; name storage is here. */
struct sriov_vf {
	struct pcie_fn fn;
	char name[96];
	bool in_flr;                    /* Function Level Reset in progress */
	sim_time_t flr_done;            /* when it ends */
	void *priv;                     /* the device model's per-VF pointer (free for use) */
};

/* The capability of one PF. Allocated by sriov_create, owned by the device
 * model (freed with sriov_destroy). Read fields, never write them: change
 * state through the register and PF-driver calls below. */
struct sriov_pf {
	struct pcie_fn *pf;             /* the PF function (the model's) */
	struct sim *sim;
	struct sriov_params p;
	uint8_t cfg[SRIOV_CAP_SIZE];    /* register bytes: the only truth */
	uint8_t wmask[SRIOV_CAP_SIZE];  /* writable bits now */
	uint8_t w1cmask[SRIOV_CAP_SIZE];/* write-1-to-clear bits (Status) */
	unsigned nbars;                 /* VF BARs per VF */
	uint64_t bar_size[SRIOV_MAX_VF_BARS];
	struct sriov_vf *vfs;           /* TotalVFs slots; vfs[n-1] is VF n */
	unsigned nvfs;                  /* VFs that exist now (NumVFs latched at VF Enable) */
	struct pcie_topo *topo;         /* the hierarchy VFs join; NULL before enumeration */
	const struct sriov_ops *ops;
	void *ctx;
	struct cfg_loc loc;             /* the 'sriov:' node (errors) */
	uint64_t *st_enables, *st_disables, *st_flrs, *st_refused;
};

/* ---- set-up (device model and enumerator) ---- */

/* Parse 'sriov:' (node; NULL or absent: returns 0 with *out = NULL) for PF
 * function pf of component c and set the registers to their reset values
 * (VF Enable clear, NumVFs 0, ARI Capable Hierarchy clear, VF BARs 0). Adds
 * PCIE_CAP_SRIOV to pf->caps and sets pf->sriov. Registers
 * components.<c>.sriov.* stats. Bad input (TotalVFs 0 or > 256, num_vfs >
 * total_vfs, offset 0, stride 0 with more than one VF, bad VF BAR sizes,
 * unknown keys) gets a located error, status 2. The result is owned by the
 * caller. pf must outlive it. */
int sriov_create(struct sriov_pf **out, struct pcie_fn *pf, struct component *c,
		 const struct cfg_node *node, struct iov_err *e);
/* Remove VFs (no callbacks) and free. NULL is fine. */
void sriov_destroy(struct sriov_pf *sp);
/* Install the device model's callbacks (ops may be NULL). */
void sriov_set_ops(struct sriov_pf *sp, const struct sriov_ops *ops, void *ctx);

/* The 'sriov' parameter row for a model's table (endpoint.h uses it). */
#define SRIOV_PARAM_DESC(T, m)                                                                 \
	{ "sriov", PARAM_NODE, offsetof(T, m), "", 0, 0, NULL,                                 \
	  "SR-IOV capability of this PF: {total_vfs, num_vfs, first_vf_offset, vf_stride, "     \
	  "vf_device_id, vf_bars: [sizes], ari, vf_bme, flr_time} (docs/models/sriov.md); "     \
	  "VFs are named <component>.vf1 .. .vfN" }

/* The keys of 'sriov:' (for generated docs). */
const struct param_desc *sriov_param_table(void);

/* Enumerator: the highest bus number a VF would use with TotalVFs enabled
 * when the PF has routing ID pf_rid (Linux compute_max_vf_buses). Buses up to
 * it must be reserved below the PF's port. */
unsigned sriov_bus_span(const struct sriov_pf *sp, uint16_t pf_rid);
/* Enumerator: bytes and alignment of VF BAR k's region (TotalVFs * size,
 * aligned to size); 0 for k >= nbars. */
uint64_t sriov_vf_bar_span(const struct sriov_pf *sp, unsigned k, uint64_t *align);
/* Enumerator: VF BAR k's region base was placed at addr (written into the
 * VF BAR registers as firmware does). Ignored while VF Enable is set. */
void sriov_set_vf_bar(struct sriov_pf *sp, unsigned k, uint64_t addr);
/* Enumerator: VFs join topology t from now on (pf->rid is final). */
void sriov_attach(struct sriov_pf *sp, struct pcie_topo *t);
/* Enumerator, after all BARs are placed: the boot-time PF driver enables
 * num_vfs VFs (sriov_enable_vfs) with ARI Capable Hierarchy as 'ari' says,
 * and sets their BME if vf_bme. Errors are located at the 'sriov:' node. */
int sriov_boot(struct sriov_pf *sp, struct iov_err *e);
/* Enumerator, after every boot: each name under vms: devices: that is not a
 * component must be a function of t (a VF that exists), else a located
 * error (status 2). isolation.c accepted the "<component>.vf<n>" shape. */
int sriov_check_vm_devices(struct sim *s, const struct pcie_topo *t, struct iov_err *e);

/* ---- registers (hardware semantics) ---- */

/* Read size (1, 2 or 4) bytes at offset off of the capability, little
 * endian; 0xffffffff-style all-ones for an access outside it or misaligned
 * (like a read nothing claims). */
uint32_t sriov_cfg_read(const struct sriov_pf *sp, unsigned off, unsigned size);
/* Write size bytes: only bits in the write mask change; write-1-to-clear bits
 * clear. A VF Enable 0 -> 1 transition latches NumVFs and the VF BARs and
 * creates min(NumVFs, TotalVFs) VFs (NumVFs > TotalVFs: the spec leaves it
 * undefined; none are created and the write is counted as refused); 1 -> 0
 * removes them. Returns 0, or -1 for an access outside the capability or
 * misaligned (nothing written). */
int sriov_cfg_write(struct sriov_pf *sp, unsigned off, uint32_t val, unsigned size);
/* Back to reset values (PF Function Level Reset / conventional reset):
 * removes VFs first. */
void sriov_reset(struct sriov_pf *sp);

/* Field views of the registers. */
unsigned sriov_total_vfs(const struct sriov_pf *sp);
unsigned sriov_num_vfs_reg(const struct sriov_pf *sp);         /* NumVFs register */
bool sriov_vf_enabled(const struct sriov_pf *sp);              /* VF Enable bit */
bool sriov_ari(const struct sriov_pf *sp);                     /* ARI Capable Hierarchy */
/* VF BAR k's region base (VF BAR registers 2k, 2k+1 without the type bits). */
uint64_t sriov_vf_bar_base(const struct sriov_pf *sp, unsigned k);

/* ---- PF driver view ---- */

/* Bring up n VFs (1..TotalVFs) as a PF driver does: checks, then NumVFs = n,
 * then VF Enable | VF MSE (ARI Capable Hierarchy as the 'ari' param says,
 * written first while VF Enable is clear). Refused (-1, e set, status 2,
 * nothing written) when: VFs are already enabled; n is 0 or > TotalVFs; the
 * PF is not enumerated yet; a VF's routing ID would pass 0xffff or a bus
 * outside the range reserved below the PF's port ("not enough bus numbers",
 * as Linux sriov_enable); without ARI a VF would not be function 1..7 of the
 * PF's device; a VF BAR region is not placed. Messages name the PF and the
 * numbers. On success the VFs exist (sriov_vf) and vfs_enabled has run. */
int sriov_enable_vfs(struct sriov_pf *sp, unsigned n, struct iov_err *e);
/* Clear VF Enable (removing the VFs), then NumVFs = 0. Fine when none exist. */
void sriov_disable_vfs(struct sriov_pf *sp);
/* VFs that exist now (0 while VF Enable is clear). */
static inline unsigned sriov_num_vfs(const struct sriov_pf *sp) { return sp ? sp->nvfs : 0; }
/* VF n (1-based), or NULL if it does not exist now. */
struct pcie_fn *sriov_vf(struct sriov_pf *sp, unsigned n);
/* The routing ID VF n (1-based) has / would have with the registers as they
 * are: PF RID + First VF Offset + (n-1) * VF Stride, modulo 2^16. */
uint16_t sriov_vf_rid(const struct sriov_pf *sp, unsigned n);
/* The VF a function is: n >= 1 for VF n, 0 for anything else. */
static inline unsigned sriov_vf_index(const struct pcie_fn *f) { return f ? f->vf : 0; }
/* The VF whose BAR holds addr (VF MSE set), 0 if none. */
unsigned sriov_vf_at(const struct sriov_pf *sp, uint64_t addr);
/* The VF with routing ID rid, 0 if none. */
unsigned sriov_vf_of_rid(const struct sriov_pf *sp, uint16_t rid);
/* The function (the PF or one of its VFs) named name, or NULL. */
struct pcie_fn *sriov_fn_by_name(struct sriov_pf *sp, const char *name);
/* The function of this PF a TLP arriving at the component is for:
 * completions and ID-routed messages by the routing ID they go to, requests
 * by the BAR that holds the address (PF BARs first, then VF BARs). NULL when
 * neither the PF nor an existing VF claims it. */
struct pcie_fn *sriov_fn_for_tlp(struct sriov_pf *sp, const struct tlp *t);

/* ---- per-VF controls (the VF's own config space) ---- */

/* Set VF n's Bus Master Enable (refused during FLR: returns -1). */
int sriov_vf_set_bme(struct sriov_pf *sp, unsigned n, bool on);
/* Start VF n's Function Level Reset: BME clear at once, the vf_flr(start)
 * callback, and flr_time later the vf_flr(done) callback (an event; needs a
 * running simulation's kernel). Its BARs and RID stay (they belong to the PF's
 * registers). Returns -1 if VF n does not exist or is already resetting. */
int sriov_vf_flr(struct sriov_pf *sp, unsigned n);

#endif

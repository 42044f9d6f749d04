/* iommu_impl.h - private to the iommu component's files: its parameters, state and requests
 *
 * iommu.c holds the request path (context, IOTLB, walks, faults), iommu_setup.c
 * the parameters, domains, stats and life cycle.
 */
#ifndef IOVSIM_IOMMU_IMPL_H
#define IOVSIM_IOMMU_IMPL_H

#include "models/iommu/ctxtable.h"
#include "models/iommu/fltable.h"
#include "models/iommu/invq.h"
#include "models/iommu/iotlb.h"
#include "models/iommu/nested.h"
#include "models/iommu/pasid.h"
#include "models/iommu/pgtable.h"
#include "models/iommu/physmem.h"
#include "models/iommu/unmapq.h"
#include "models/pcie/pcie_topo.h"
#include "models/pcie/root_complex.h"
#include "sim.h"

struct iommu_params {
	const char *rc;
	int enabled;
	uint64_t levels;
	int superpages;
	int host;
	uint64_t walkers;
	uint64_t queue;
	sim_time_t iotlb_latency, pwc_latency, ctx_latency, table_read_latency;
	uint64_t table_base, table_size;
	uint64_t fault_log;
	sim_time_t fault_service;
	const struct cfg_node *fpd;
	const struct cfg_node *events;
	const struct cfg_node *nested;
	uint64_t nested_table_area;
	struct invq_params inv;
	struct unmapq_params unmap;
	struct iotlb_params ss_tlb;
	struct pwc_params fs_pwc;
	struct iotlb_params iotlb;
	struct pwc_params pwc;
	struct sacache_geom ctx;
	const struct cfg_node *pasids;
	struct sacache_geom pasid_cache;
};

struct pasid_unmap;

/* One PASID of the 'pasids' list (iommu_pasid.c). */
struct iommu_pasid {
	uint16_t rid;
	uint32_t pasid;
	int mode;                       /* enum pasid_pgtt */
	unsigned vm;
	struct fltable *fl;             /* first stage (first, nested), else NULL */
	const char *device;
	const struct cfg_node *node;
};

/* A map/unmap of the scenario's 'events' list (iommu_map.c). */
struct iommu_event {
	sim_time_t at, every;
	int op, perms;                  /* op: 0 map, 1 unmap, 2 revoke; perms: 0 r, 1 w, 2 rw */
	const char *vm;
	const char *device;             /* with pasid: the PASID's device */
	const struct cfg_node *pasid_node;
	struct iommu_pasid *pasid;      /* the PASID edited, NULL: the VM's domain */
	uint64_t iova, size, hpa, repeat, stride;
	const struct cfg_node *hpa_node, *node;
	unsigned vmi;
	uint64_t done;                  /* occurrences so far */
	int by_guest;                   /* the guest driver asks (a hypercall exit first) */
	uint64_t vcpu;                  /* by_guest: on this vCPU of the VM */
	bool in_exit;                   /* by_guest: the hypercall of this occurrence is under way */
	struct iommu *m;
};

/* One translation in progress. */
struct iommu_req {
	struct tlp *t;
	unsigned port;
	struct dmar_xlate x;            /* context and outcome (one stage: also the walk) */
	bool nested;                    /* a nested domain or a first-stage / nested PASID: the
					 * walk is nx's references */
	bool fs_only;                   /* first stage only: no second stage (identity) */
	struct nested_cfg ncfg;         /* nested: the tables walked */
	unsigned next, end;             /* reads of x.reads still to replay: [next, end) */
	bool ctx_phase;                 /* replaying root/context reads */
	sim_time_t t_start, t_walk;
	struct iommu_req *next_free;
	struct iommu_req *next_wait;    /* in the queue for a walker */
	struct iommu_req *next_open;    /* chain of open walks in the same hash bucket */
	struct iommu_req *merged;       /* misses on the same page waiting for this walk */
	struct iommu *m;                /* owner, for the events */
	struct nested_xlate nx;         /* last: not cleared per request (large) */
};

/* Open walks (walking or waiting for a walker) by (domain, 4 KiB page): a
 * miss on a page already being walked waits for that walk instead of
 * starting its own (misses under a miss, like a cache's MSHRs). */
#define IOMMU_OPEN_BUCKETS 1024u

struct iommu {
	struct component c;
	struct iommu_params p;
	struct component *rc;
	struct physmem *pm;
	struct ctxtable *ct;
	size_t ndomains;
	struct pgtable **domains;       /* per VM: second stage */
	struct fltable **fl;            /* per VM: guest first stage, NULL unless nested */
	struct physmem **gmem;          /* per VM: the guest's table frames (GPAs) */
	struct invq *invq;              /* queued invalidation */
	struct unmapq *unmapq;          /* unmap policy over it */
	uint8_t *ats_ok;                /* by requester ID: context allows translated requests */
	uint64_t *st_ats_treqs, *st_ats_denied;
	struct iotlb *ss_tlb;           /* nested: second-stage TLB (GPA -> HPA) */
	struct pwc *fs_pwc;             /* nested: first-stage walk cache (IOVA -> table GPA) */
	struct dmar_caps caps;
	struct iotlb *tlb;
	struct pwc *pwc;
	struct context_cache *cc;
	struct pasid_cache *pc;
	struct iommu_pasid *pasids;     /* the 'pasids' list */
	size_t npasids;
	struct pasid_dir **pdirs;       /* one per PASID device */
	size_t npdirs;
	struct pgtable *idmap;          /* identity map of the table region: first-stage-only
					 * tables are built through it (NULL until needed) */
	bool *vm_fs_pasid;              /* per VM: has first-stage PASIDs (unmap refused) */
	struct pasid_unmap *pasid_unmaps;       /* first-stage unmaps waiting for their flush */
	uint64_t *st_pasid_reads;
	uint16_t stage;

	struct iommu_req *free;         /* request records, grown in chunks, never per TLP */
	struct iommu_req **chunks;
	size_t nchunks;
	struct iommu_req *wait_head, *wait_tail;
	uint64_t walkers_busy;
	struct iommu_req *open[IOMMU_OPEN_BUCKETS];

	struct iommu_event *events;
	size_t nevents;
	uint64_t *st_maps, *st_unmaps, *st_stale;
	uint64_t faults_logged;         /* records holding a fault not yet read by the handler */
	bool fault_event_pending;       /* interrupt raised, handler not done */
	const struct iommu_hv_ops *hv_ops;      /* the hypervisor (faults, guest requests), or NULL */
	void *hv_ctx;
	bool guest_events;              /* some events are asked by a guest (by: guest) */
	uint64_t **st_fault_dev;        /* by requester ID (65536 slots, NULL until elaboration) */
	uint64_t *st_fault_unknown, *st_fault_events;
	uint64_t *st_walks, *st_walk_reads, *st_ctx_reads;
	uint64_t *st_ctx_hits, *st_ctx_misses, *st_faults, *st_fault[DMAR_FAULT_CODES];
	uint64_t *st_fault_overflow, *st_walker_waits, *st_pass_through, *st_merged;
	double *st_hit_rate;
	struct hist *st_walk_ns, *st_xlate_ns;
};

/* Load and schedule the 'events' list (iommu_map.c). */
int iommu_events_load(struct iommu *m, struct iov_err *e);
/* At start: events asked by a guest have a hypervisor to take them (else status 2). */
int iommu_events_check(struct iommu *m, struct iov_err *e);

/* Invalidation (iommu_inv.c): the queue and the unmap policy, created with
 * the IOMMU; an unmap of [iova, +size) in VM vm's domain through the policy. */
int iommu_inv_create(struct iommu *m, struct iov_err *e);
void iommu_inv_destroy(struct iommu *m);
int iommu_inv_unmap(struct iommu *m, unsigned vm, uint64_t iova, uint64_t size,
		    struct iov_err *e);
/* ATS: the invalidation queue's device-TLB requests go out through the root
 * complex; its completions come back through the hook. */
void iommu_ats_inv_done(void *ctx, struct component *rc, uint64_t token);

/* A parameter naming devices or VMs: a list, one name or nothing (iommu_setup.c). */
bool iommu_names_has(const struct cfg_node *l, const char *name);
int iommu_names_check(const struct iommu *m, const struct cfg_node *l, const char *key,
		      bool (*exists)(const struct iommu *m, const char *name), const char *what,
		      struct iov_err *e);

/* Nested translation (iommu_nested.c). */
int iommu_nested_check(const struct iommu *m, struct iov_err *e);
int iommu_nested_build(struct iommu *m, size_t v, struct iov_err *e);
bool iommu_nested_domain(const struct iommu *m, uint16_t did);
void iommu_nested_lookup(struct iommu *m, struct iommu_req *r);
void iommu_nested_walk(struct iommu *m, struct iommu_req *r);
void iommu_nested_fill(struct iommu *m, struct iommu_req *r);

/* PASIDs (iommu_pasid.c): the 'pasids' list built after the domains; the
 * guest-table allocator of VM v (created on first use); a PASID by device and
 * number; unmap (first stage) or revoke one, with a PASID-selective flush. */
int iommu_pasids_build(struct iommu *m, struct iov_err *e);
void iommu_pasids_destroy(struct iommu *m);
int iommu_guest_tables(struct iommu *m, size_t v, struct iov_err *e);
struct iommu_pasid *iommu_pasid_find(struct iommu *m, const char *device, uint32_t pasid);
int iommu_pasid_unmap(struct iommu *m, struct iommu_pasid *p, uint64_t iova, uint64_t size,
		      struct iov_err *e);
int iommu_pasid_revoke(struct iommu *m, struct iommu_pasid *p, struct iov_err *e);

/* The root complex's translation hook (iommu.c). */
extern const struct rc_xlate_ops iommu_xlate_ops;

#endif

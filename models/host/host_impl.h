/* host_impl.h - private to models/host/: the host component's parameters, VMs, vCPUs and interrupts
 *
 * host.c      parameters, life cycle, stats, host_find
 * vcpu.c      vCPU states and time line: waking, halting, resuming
 * apic.c      emulated delivery: exit, injection, guest handler, EOI
 * vm_exit.c   exit and host CPU accounting (host_vm_exit, host_cpu_work)
 * host_msix.c the hypervisor programming MSI-X tables and IRTEs (host_register_msix)
 * host_irq.c  the MSI path from the root complex through interrupt remapping
 * host_posted.c posted delivery: descriptor post, notification, wakeup, PIR processing
 */
#ifndef IOVSIM_HOST_IMPL_H
#define IOVSIM_HOST_IMPL_H

#include "models/host/host.h"
#include "models/iommu/intremap.h"
#include "models/iommu/posted_irq.h"
#include "models/pcie/root_complex.h"

enum host_vcpu_state { VCPU_RUNNING, VCPU_HALTED, VCPU_PREEMPTED };
enum host_delivery { HOST_EMULATED, HOST_POSTED };

/* Latency paths: interrupts.latency_ns.<name>. */
enum host_irq_path {
	PATH_EMULATED, PATH_EMULATED_WAKEUP, PATH_POSTED, PATH_POSTED_WAKEUP, PATH_INJECTED,
	PATH_HOST, PATH__COUNT
};

/* Stages of an interrupt's latency: interrupts.breakdown_ns.<path>.<stage>. */
enum host_irq_stage { STAGE_REMAP, STAGE_POST, STAGE_WAIT, STAGE_DELIVER, STAGE__COUNT };

/* Vectors the hypervisor uses (Linux's POSTED_INTR_VECTOR / _WAKEUP_VECTOR). */
#define HOST_PI_NOTIFY_VECTOR 0xf2
#define HOST_PI_WAKEUP_VECTOR 0xf1
#define HOST_FIRST_VECTOR 0x30          /* first vector handed to devices (host and guest) */
#define HOST_LAST_VECTOR 0xef

/* Per-VM CPU configuration (host-wide defaults, 'guests:' entries override). */
struct host_guest_cfg {
	uint64_t vcpus;
	int state;                      /* enum host_vcpu_state: initial state */
	const struct cfg_node *states;  /* per-vCPU initial states (a list), or NULL/empty */
	int delivery;                   /* enum host_delivery */
	int eoi_virt;
	int idle_halt;                  /* an initially halted vCPU halts again when idle */
	sim_time_t resume_at;           /* an initially preempted vCPU runs from then */
};

struct host_params {
	const char *rc;
	const char *iommu;               /* whose DMA-remapping faults the hypervisor takes */
	uint64_t fault_event_cycles, fault_record_cycles;
	struct sim_clock clock;
	struct host_guest_cfg def;
	const struct cfg_node *guests;
	uint64_t cost[HOST_EXIT__COUNT];
	uint64_t wakeup_cycles, isr_cycles, pi_delivery_cycles;
	double exit_indirect;            /* guest cycles lost after an exit / its direct cycles */
	int remapping;
	struct ir_params ir;
	sim_time_t iec_latency, ir_read_latency;
};

#define VCPU_ROOT_SEGS 8                /* initial room for its root-mode segments */

struct host;
struct host_vm;
struct host_irq;

struct host_vcpu {
	struct host *h;
	struct host_vm *vm;
	unsigned idx, apic;             /* index in its VM; APIC ID of its pCPU (pinned) */
	enum host_vcpu_state state;
	bool idle;                      /* halts again once it has nothing to do */
	sim_time_t busy_until;          /* end of the work reserved on its time line */
	/* root-mode segments [from, to) reserved and not yet over, oldest first (a
	 * ring of root_cap, grown when a backlog needs more: never per interrupt
	 * once warm) */
	sim_time_t (*root)[2];
	unsigned root_head, root_n, root_cap;
	sim_time_t resume_at;
	unsigned inflight;              /* interrupts on their way to / in its handler */
	uint64_t pda;                   /* posted-interrupt descriptor (posted VMs) */
	unsigned next_gvec;
	uint32_t gvec_virq[256];        /* guest vector -> virq index + 1 */
	uint64_t virr[4];               /* emulated: vectors injected, handler not yet started */
	struct host_irq *pi_head, *pi_tail;   /* posted, waiting for PIR processing */
	/* time reserved on its line, by kind (ps; may reach past the run's end) */
	sim_time_t guest_ps, root_ps, indirect_ps;
};

struct host_vm {
	const char *name;
	int index;
	struct host_guest_cfg cfg;
	unsigned nvcpus;
	struct host_vcpu *vcpus;
	uint64_t *st_exits, *st_exit_cycles, *st_cpu_cycles, *st_delivered, *st_iommu_faults;
	double *st_exits_per_s;
	/* vcpus.<vm>.*: its vCPUs' time line, summed over them */
	uint64_t *st_work_cycles, *st_indirect_cycles;
	double *st_guest_ns, *st_root_ns, *st_indirect_ns, *st_idle_ns, *st_util, *st_guest_util;
};

/* One programmed MSI-X entry. */
struct host_virq {
	const struct pcie_fn *fn;
	unsigned index;
	const struct host_irq_ops *ops;
	void *ctx;
	struct host_vcpu *vcpu;         /* NULL: a host-owned function */
	uint8_t gvec;
};

/* One interrupt in flight, from the root complex (or an injection) to its
 * guest handler and EOI. Pooled: never allocated per interrupt once warm. */
struct host_irq {
	struct host *h;
	struct host_irq *next;
	uint16_t rid, handle;
	uint64_t addr;
	uint32_t data;
	bool pid_step;                  /* the memory read in flight is the descriptor's */
	bool iec_miss;                  /* the IRTE came from memory: fill the IEC */
	bool eoi_exit;                  /* its EOI exits (emulated, no EOI virtualization) */
	enum host_irq_path path;
	sim_time_t t_rc;                /* at the root complex (or injected) */
	sim_time_t t_remap, t_posted;   /* remapping done; descriptor posted (posted path) */
	sim_time_t deliver_ps;          /* the exit / wakeup / notification that delivers it */
	struct irte irte;
	struct host_vcpu *vcpu;
	uint8_t gvec;
	const struct pcie_fn *fn;
	unsigned index;
	const struct host_irq_ops *ops;
	void *ctx;
};

struct host {
	struct component c;
	struct host_params p;
	const struct cfg_node *node;    /* the component's map, for located errors */
	bool ready;                     /* VMs and vCPUs built (host_ready) */
	struct component *rc;
	struct component *iommu;        /* fault events come from it (NULL: none) */
	struct ir_unit *ir;             /* NULL without remapping */
	size_t nvms;
	struct host_vm *vms;
	unsigned napics;                /* 1 + all vCPUs: APIC 0 is the host's own CPU */
	struct host_vcpu **by_apic;     /* [apic] (NULL for 0) */
	uint32_t *hvec_virq;            /* [apic * 256 + vector] -> virq index + 1 */
	unsigned *hvec_next;            /* [apic] next free host vector */
	uint64_t pd_base;               /* descriptor of vCPU with APIC a at pd_base + 64 (a-1) */
	size_t nvirqs, virqs_cap;
	struct host_virq *virqs;
	struct host_irq *free;
	struct host_irq **chunks;
	size_t nchunks;

	uint64_t *st_received, *st_delivered, *st_wakeups, *st_blocked, *st_spurious, *st_host;
	uint64_t *st_merged, *st_exitless, *st_notifications, *st_coalesced, *st_suppressed;
	uint64_t *st_exits, *st_by_reason[HOST_EXIT__COUNT], *st_exit_cycles;
	uint64_t *st_cpu_cycles, *st_work_cycles, *st_wakeup_cycles;
	uint64_t *st_fault_events, *st_fault_records, *st_fault_cycles, *st_fault_host;
	uint64_t *st_guest_requests;
	double *st_exits_per_s, *st_exits_per_irq, *st_irqs_per_s;
	struct hist *st_latency[PATH__COUNT], *st_remap_ns;
	double *st_breakdown[PATH__COUNT][STAGE__COUNT];
	long double bd_sum[PATH__COUNT][STAGE__COUNT];  /* ps, summed per path and stage */
	uint64_t bd_n[PATH__COUNT];
};


/* A located error at the host's key 'key' (or its map when absent). */
int host_err(const struct host *h, struct iov_err *e, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The initial state of vCPU idx of vm (vcpu_states entry, else vcpu_state). */
int host_vcpu_initial(const struct host *h, const struct host_vm *vm, unsigned idx,
		      enum host_vcpu_state *out, struct iov_err *e);

/* r's handler (or the host's, path PATH_HOST) starts now: latency and breakdown. */
void host_irq_latency(struct host *h, const struct host_irq *r, enum host_irq_path p,
		      sim_time_t now);

/* host.c: build VMs, vCPUs and per-VM stats once (from elaborate or the first
 * host_register_msix, whichever comes first). */
int host_ready(struct host *h, struct iov_err *e);
/* An interrupt record from the pool, zeroed but for its owner; the pool grows
 * in chunks. NULL: out of memory (error set on the simulation, run stopped). */
struct host_irq *host_irq_get(struct host *h);
/* Give r back to the pool (r must not be in a vCPU's posted list). */
void host_irq_put(struct host *h, struct host_irq *r);
/* Duration of n host cycles. */
static inline sim_time_t host_cycles(const struct host *h, uint64_t n)
{
	return sim_clock_cycles(&h->c.clock, n);
}

/* host_faults.c: take the DMA-remapping faults of the scenario's IOMMU (the
 * 'iommu' parameter, else its one iommu component; none: nothing to do). */
int host_faults_connect(struct host *h, struct iov_err *e);
int host_faults_stats(struct host *h, struct iov_err *e);

/* vm_exit.c: count one exit of reason r taking 'cycles' (also host CPU time
 * of vm; vm NULL: no VM's) / count host CPU cycles spent for vm. */
void host_exit_account(struct host *h, struct host_vm *vm, enum host_exit_reason r,
		       uint64_t cycles);
void host_cpu_account(struct host *h, struct host_vm *vm, uint64_t cycles);

/* vcpu.c and apic.c */
/* Initialize vCPU idx of vm with APIC ID apic (and its posted-interrupt
 * descriptor when remapping is on). 0 or -1 with e set (bad vcpu_states). */
int vcpu_build(struct host *h, struct host_vm *vm, unsigned idx, unsigned apic,
	       struct iov_err *e);
/* At the start of the run: a preempted vCPU's resume is scheduled. */
void vcpu_start(struct host_vcpu *v);
/* Emulated delivery of r to r->vcpu (exits, injection, handler, EOI). */
void vcpu_deliver_emulated(struct host_vcpu *v, struct host_irq *r);
/* Run r's guest handler on v from time t on (then EOI); r is done after it. */
void vcpu_run_handler(struct host_vcpu *v, struct host_irq *r, sim_time_t t, bool eoi_exit);
/* Wake halted v from time t (a host wakeup, not a guest exit): returns when
 * it is back in guest mode. */
sim_time_t vcpu_wake(struct host_vcpu *v, sim_time_t t);
/* Is v in root mode at time now (inside one of its reserved segments)? */
bool vcpu_in_root(const struct host_vcpu *v, sim_time_t now);
/* Reserve [from, to) on v's time line as root mode (an exit, a wakeup);
 * segments over by now are forgotten. Out of memory: the run is stopped
 * with the error set (the time is still reserved). */
void vcpu_root(struct host_vcpu *v, sim_time_t from, sim_time_t to);
/* Reserve an exit of 'cycles' direct cost from 'from' on v's time line (root
 * mode), then its indirect cost (exit_indirect x cycles of lost guest time,
 * none for a halt: the vCPU blocks). Returns the end of the root segment (the
 * VM entry); busy_until is past the lost guest time. */
sim_time_t vcpu_exit_reserve(struct host_vcpu *v, sim_time_t from, uint64_t cycles,
			     bool indirect);
/* Reserve [from, to) on v's time line as guest-mode work (a handler). */
void vcpu_guest(struct host_vcpu *v, sim_time_t from, sim_time_t to);
/* host.c: the vcpus.<vm>.* values at the end of the run. */
void host_vcpu_finish(struct host *h, sim_time_t now);
/* v has reserved work up to busy_until: look again then whether it idles. */
void vcpu_idle_check(struct host_vcpu *v);

/* host_posted.c */
/* The descriptor of r->vcpu has been read: post r->gvec (PIR, ON/SN) and
 * notify, wake or leave it for the next VM entry. Takes r. */
void host_post(struct host *h, struct host_irq *r);
/* The PIR is synced into v now (notification taken, or VM entry). */
void host_pi_process(struct host_vcpu *v);
/* Set v's descriptor SN / NV / NDST for its state (preempted: SN; halted: the
 * wakeup vector; running: the notification vector). 0, or -1 with the
 * simulation's error set. No-op without a descriptor. */
int host_pi_control(struct host_vcpu *v);

/* host_irq.c: the root complex's interrupt stage (rc_set_irq_sink). */
extern const struct rc_irq_ops host_rc_irq_ops;

#endif

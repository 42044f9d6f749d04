/* registry.c - the table of models: type name -> ops and parameters
 *
 * Adding a model: one file under models/<area>/, one row here.
 */
#include <string.h>

#include "component.h"

extern const struct model model_dma_source;
extern const struct model model_fixed_path;
extern const struct model model_guest_cpu;
extern const struct model model_host;
extern const struct model model_iommu;
extern const struct model model_memory;
extern const struct model model_pcie_link;
extern const struct model model_pcie_mfd;
extern const struct model model_pcie_root_complex;
extern const struct model model_pcie_switch;
extern const struct model model_sriov_nic;
extern const struct model model_virtio_net;

static const struct model *const model_table[] = {
	&model_dma_source,
	&model_fixed_path,
	&model_guest_cpu,
	&model_host,
	&model_iommu,
	&model_memory,
	&model_pcie_link,
	&model_pcie_mfd,
	&model_pcie_root_complex,
	&model_pcie_switch,
	&model_sriov_nic,
	&model_virtio_net,
};

#define MODEL_COUNT (sizeof(model_table) / sizeof(model_table[0]))

const struct model *model_find(const char *type)
{
	for (size_t i = 0; i < MODEL_COUNT; i++)
		if (strcmp(model_table[i]->type, type) == 0)
			return model_table[i];
	return NULL;
}

const struct model *model_at(size_t i)
{
	return i < MODEL_COUNT ? model_table[i] : NULL;
}

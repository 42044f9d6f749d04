/* test_pcie_wire.c - PCIe wire facts and the analytical throughput model against FACTS.md */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include <cmocka.h>

#include "models/pcie/pcie_wire.h"

static void assert_close(double got, double want, double rel)
{
	if (fabs(got - want) > rel * fabs(want))
		fail_msg("got %.12g, want %.12g (rel %.3g)", got, want, rel);
}

static void test_tlp_wire_sizes(void **state)
{
	(void)state;
	/* FACTS.md: 8 B framing/seq/LCRC + 4 B common header + 8 B (3DW) or 12 B (4DW). */
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MWR, true, false, 256), 24 + 256);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MWR, false, false, 64), 20 + 64);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MRD, true, false, 512), 24);     /* no payload */
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MRD, false, false, 512), 20);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_CPLD, true, false, 256), 20 + 256);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_CPLD, false, false, 64), 20 + 64);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_CPL, false, false, 64), 20);      /* no data */
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MSG, false, false, 0), 8 + 16);   /* 4DW header */
	/* MSI: an MWr with a 4 B payload. */
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MWR, true, false, 4), 28);
	/* ECRC adds a 4 B digest to any TLP. */
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MWR, true, true, 256), 284);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_MRD, true, true, 64), 28);
	assert_int_equal(pcie_tlp_wire_bytes(TLP_CPLD, false, true, 64), 88);
	assert_int_equal(pcie_tlp_overhead(TLP_MWR, true, false), 24);
	assert_int_equal(pcie_tlp_overhead(TLP_CPLD, true, false), 20);
	assert_int_equal(pcie_tlp_header_bytes(TLP_MRD, false), 12);
	assert_int_equal(pcie_tlp_header_bytes(TLP_MRD, true), 16);
	assert_int_equal(pcie_tlp_payload(TLP_MRD, 4096), 0);
	assert_int_equal(pcie_tlp_payload(TLP_CPLD, 4096), 4096);
}

static void test_credits_and_classes(void **state)
{
	(void)state;
	assert_int_equal(pcie_data_credits(0), 0);
	assert_int_equal(pcie_data_credits(1), 1);
	assert_int_equal(pcie_data_credits(16), 1);
	assert_int_equal(pcie_data_credits(17), 2);
	assert_int_equal(pcie_data_credits(4096), 256);
	assert_int_equal(pcie_fc_class_of(TLP_MWR), PCIE_FC_P);
	assert_int_equal(pcie_fc_class_of(TLP_MSG), PCIE_FC_P);
	assert_int_equal(pcie_fc_class_of(TLP_MRD), PCIE_FC_NP);
	assert_int_equal(pcie_fc_class_of(TLP_CPLD), PCIE_FC_CPL);
	assert_int_equal(pcie_fc_class_of(TLP_CPL), PCIE_FC_CPL);
	assert_string_equal(pcie_fc_class_name(PCIE_FC_NP), "np");
}

/* FACTS.md tables, typed in again independently of pcie_wire.c. */
static const int facts_gen1[6][6] = {
	{ 237, 416, 559, 1071, 2095, 4143 }, { 128, 217, 289, 545, 1057, 2081 },
	{ 73, 118, 154, 282, 538, 1050 },    { 67, 107, 86, 150, 278, 534 },
	{ 48, 72, 86, 150, 278, 534 },       { 33, 45, 52, 84, 148, 276 },
};
static const int facts_gen2[6][6] = {
	{ 288, 467, 610, 1122, 2146, 4194 }, { 179, 268, 340, 596, 1108, 2132 },
	{ 124, 169, 205, 333, 589, 1101 },   { 118, 158, 137, 201, 329, 585 },
	{ 99, 123, 137, 201, 329, 585 },     { 84, 96, 103, 135, 199, 237 },
};
static const int facts_gen3[6][6] = {
	{ 333, 512, 655, 1167, 2191, 4239 }, { 224, 313, 385, 641, 1153, 2177 },
	{ 169, 214, 250, 378, 634, 1146 },   { 163, 203, 182, 246, 374, 630 },
	{ 144, 168, 182, 246, 374, 630 },    { 129, 141, 148, 180, 244, 372 },
};

static void test_dllp_interval_tables(void **state)
{
	(void)state;
	static const unsigned widths[6] = { 1, 2, 4, 8, 16, 32 };
	for (unsigned gen = 1; gen <= 6; gen++) {
		const int (*t)[6] = gen == 1 ? facts_gen1 : gen == 2 ? facts_gen2 : facts_gen3;
		for (int w = 0; w < 6; w++)
			for (int m = 0; m < 6; m++) {
				unsigned mps = 128u << m;
				int got = pcie_dllp_interval(gen, widths[w], mps);
				if (got != t[w][m])
					fail_msg("gen%u x%u mps %u: %d, FACTS.md %d", gen, widths[w],
						 mps, got, t[w][m]);
			}
	}
	/* Spot checks a reader can find in FACTS.md directly. */
	assert_int_equal(pcie_dllp_interval(3, 8, 256), 203);
	assert_int_equal(pcie_dllp_interval(5, 16, 512), 182);
	assert_int_equal(pcie_dllp_interval(1, 1, 4096), 4143);
	assert_int_equal(pcie_dllp_interval(2, 32, 4096), 237);
	/* x12: interpolated between x8 and x16: (203 + 2 * 168) / 3 = 179.67 -> 180. */
	assert_int_equal(pcie_dllp_interval(3, 12, 256), 180);
	assert_int_equal(pcie_dllp_interval(1, 12, 128), (67 + 2 * 48 + 1) / 3);
	/* Invalid inputs. */
	assert_int_equal(pcie_dllp_interval(0, 8, 256), -1);
	assert_int_equal(pcie_dllp_interval(7, 8, 256), -1);
	assert_int_equal(pcie_dllp_interval(3, 3, 256), -1);
	assert_int_equal(pcie_dllp_interval(3, 8, 384), -1);
	assert_int_equal(pcie_dllp_interval(3, 8, 8192), -1);
}

static void test_rates_and_validity(void **state)
{
	(void)state;
	assert_close(pcie_lane_gbps(1), 2.0, 1e-12);
	assert_close(pcie_lane_gbps(2), 4.0, 1e-12);
	assert_close(pcie_lane_gbps(3), 7.876923076923, 1e-12);     /* 8 * 128/130 */
	assert_close(pcie_link_gbps(3, 8), 7.876923076923 * 8, 1e-12);
	assert_close(pcie_lane_gbps(4), 15.753846153846, 1e-12);
	assert_close(pcie_lane_gbps(5), 31.507692307692, 1e-12);
	assert_close(pcie_lane_gbps(6), 60.5, 1e-12);               /* 64 * 242/256 */
	assert_true(pcie_lane_gbps(0) == 0.0 && pcie_lane_gbps(7) == 0.0);
	assert_true(pcie_gt_per_s(5) == 32.0);
	/* Byte time per lane is exactly 8 bits / lane rate. */
	for (unsigned gen = 1; gen <= 6; gen++) {
		struct pcie_byte_time bt = pcie_byte_time(gen);
		assert_close((double)bt.num / (double)bt.den, 8000.0 / pcie_lane_gbps(gen), 1e-12);
	}
	assert_int_equal(pcie_byte_time(3).num, 8125);
	assert_int_equal(pcie_byte_time(3).den, 8);                 /* 1015.625 ps */
	assert_true(pcie_width_valid(12) && pcie_width_valid(32) && pcie_width_valid(1));
	assert_false(pcie_width_valid(0) || pcie_width_valid(3) || pcie_width_valid(64));
	assert_true(pcie_size_valid(128) && pcie_size_valid(4096));
	assert_false(pcie_size_valid(64) || pcie_size_valid(384) || pcie_size_valid(8192));
	assert_true(pcie_gen_valid(6) && !pcie_gen_valid(0));
}

static void test_split(void **state)
{
	(void)state;
	/* 2 KiB from 0xF00 at 512: 256 to the boundary, then 512, 512, 512, 256. */
	assert_int_equal(pcie_split_next(0xF00, 2048, 512), 256);
	assert_int_equal(pcie_split_next(0x1000, 2048 - 256, 512), 512);
	assert_int_equal(pcie_split_count(0xF00, 2048, 512), 5);
	assert_int_equal(pcie_split_count(0, 1500, 256), 6);
	assert_int_equal(pcie_split_count(0, 4096, 64), 64);
	assert_int_equal(pcie_split_count(0, 0, 64), 0);
	assert_int_equal(pcie_split_next(0, 10, 64), 10);
}

static void test_tlp_bandwidth(void **state)
{
	(void)state;
	/* Gen3 x8, MPS 256: raw 63.015 Gb/s, interval 203: 1 - 8/203 - 8/203 - 4/1538. */
	double raw = 8 * 128.0 / 130 * 8;
	assert_close(pcie_tlp_gbps(3, 8, 256, 1, true), raw * (1 - 16.0 / 203 - 4.0 / 1538), 1e-12);
	assert_close(pcie_tlp_gbps(3, 8, 256, 1, false), raw * (1 - 16.0 / 203), 1e-12);
	/* Scale 8 reads the table as symbol times of an x8 link. */
	assert_close(pcie_tlp_gbps(3, 8, 256, 8, true), raw * (1 - 16.0 / 1624 - 4.0 / 1538),
		     1e-12);
	assert_close(pcie_tlp_gbps(3, 8, 256, 0, true), pcie_tlp_gbps(3, 8, 256, 1, true), 1e-15);
	assert_true(pcie_tlp_gbps(3, 3, 256, 1, true) == 0.0);
}

static struct pcie_analytic run(unsigned gen, unsigned width, unsigned mps, unsigned mrrs,
				bool rcb, enum pcie_op op, uint64_t size)
{
	struct pcie_analytic_cfg cfg = { .gen = gen, .width = width, .mps = mps, .mrrs = mrrs,
					 .rcb_split = rcb, .addr64 = true };
	struct pcie_analytic r;
	assert_int_equal(pcie_analytic_throughput(&cfg, op, size, &r), 0);
	return r;
}

static void test_analytic_hand_cases(void **state)
{
	(void)state;
	/* Gen3 x8 MPS 256: tlp = 63.0154 * (1 - 16/203 - 4/1538) = 57.8848 Gb/s. */
	double g3 = 8 * 128.0 / 130 * 8 * (1 - 16.0 / 203 - 4.0 / 1538);

	/* Write 256 B: one MWr64 of 256 + 24 = 280 B: 57.8848 * 256/280 = 52.923 Gb/s. */
	struct pcie_analytic r = run(3, 8, 256, 512, false, PCIE_OP_WRITE, 256);
	assert_int_equal(r.up_bytes, 280);
	assert_int_equal(r.down_bytes, 0);
	assert_close(r.write_gbps, g3 * 256 / 280, 1e-12);
	assert_close(r.write_gbps, 52.923, 1e-4);
	assert_true(r.read_gbps == 0.0);

	/* Gen1 x1 MPS 128 MRRS 512, read 512 B: 1 MRd (24 B) up; 4 CplD of 128 + 20 = 592 B
	 * down; tlp = 2 * (1 - 16/237 - 4/1538) = 1.85978; 1.85978 * 512/592 = 1.6085 Gb/s. */
	r = run(1, 1, 128, 512, false, PCIE_OP_READ, 512);
	assert_int_equal(r.up_bytes, 24);
	assert_int_equal(r.down_bytes, 592);
	assert_int_equal(r.down_tlps, 4);
	assert_close(r.read_gbps, 2.0 * (1 - 16.0 / 237 - 4.0 / 1538) * 512 / 592, 1e-12);
	assert_close(r.read_gbps, 1.60846, 1e-5);

	/* RCB split: Gen3 x8 read 512 B: 8 CplD of 64 + 20 = 672 B: 57.8848 * 512/672 = 44.103. */
	r = run(3, 8, 256, 512, true, PCIE_OP_READ, 512);
	assert_int_equal(r.down_tlps, 8);
	assert_int_equal(r.down_bytes, 672);
	assert_close(r.read_gbps, g3 * 512 / 672, 1e-12);

	/* Read/write 1500 B, Gen3 x8 MPS 256 MRRS 512. Up: 6 MWr (1500 + 6*24 = 1644) and
	 * 3 MRd (72) = 1716 B. Down: requests 512, 512, 476, each 2 CplD: 1500 + 6*20 = 1620.
	 * Up is slower: both = 57.8848 * 1500/1716 = 50.599 Gb/s. */
	r = run(3, 8, 256, 512, false, PCIE_OP_READWRITE, 1500);
	assert_int_equal(r.up_bytes, 1716);
	assert_int_equal(r.down_bytes, 1620);
	assert_close(r.write_gbps, g3 * 1500 / 1716, 1e-12);
	assert_close(r.read_gbps, r.write_gbps, 1e-15);

	/* Gen5 x16 MPS 256, 64 B writes: raw 504.123, interval 168:
	 * 504.123 * (1 - 16/168 - 4/1538) * 64/88 = 330.76 Gb/s. */
	r = run(5, 16, 256, 512, false, PCIE_OP_WRITE, 64);
	assert_close(r.write_gbps, 32 * 128.0 / 130 * 16 * (1 - 16.0 / 168 - 4.0 / 1538) * 64 / 88,
		     1e-12);
	assert_close(r.write_gbps, 330.764, 1e-5);

	/* MRRS below MPS: each 128 B request gets its own completion (the published
	 * model's ceil(size/MPS) would say 2 for 512 B; the wire carries 4). */
	r = run(3, 8, 256, 128, false, PCIE_OP_READ, 512);
	assert_int_equal(r.up_tlps, 4);
	assert_int_equal(r.down_tlps, 4);

	/* Bad configurations. */
	struct pcie_analytic_cfg bad = { .gen = 3, .width = 8, .mps = 300, .mrrs = 512 };
	assert_int_equal(pcie_analytic_throughput(&bad, PCIE_OP_WRITE, 64, &r), -1);
	bad.mps = 256;
	assert_int_equal(pcie_analytic_throughput(&bad, PCIE_OP_WRITE, 0, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlp_wire_sizes),
		cmocka_unit_test(test_credits_and_classes),
		cmocka_unit_test(test_dllp_interval_tables),
		cmocka_unit_test(test_rates_and_validity),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_tlp_bandwidth),
		cmocka_unit_test(test_analytic_hand_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

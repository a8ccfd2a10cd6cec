// The runner over the real corpus.
#include <doctest/doctest.h>

#include "runner/run.h"

using namespace lmemu;
using namespace lmemu::runner;
namespace fs = std::filesystem;

namespace {

// An interrupt that does nothing must leave every run as it was: the
// delivery (exception entry, pt_regs, eret, the store or barrier it follows)
// is invisible to the model and to the guest. Each case without injections
// of its own is swept at `at` against its own expectations.
void sweep_empty_softirq(const char* at) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    Runner runner(builder);
    int swept = 0;
    for (const auto& file : Runner::collect({fs::path(LMEMU_SOURCE_DIR) / "cases"})) {
        CaseFile c = parse_case_file(file);
        // Explored cases are left out: an interrupt adds its own scheduling
        // points and barriers, so the set of schedules within a bound differs.
        if (!c.injects.empty() || c.explore) continue;
        c.sources.push_back({"empty-softirq.c", std::string("void lmemu_test_empty_softirq(void) { }\n")});
        std::string error;
        InjectSpec spec;
        spec.injection.at = *emu::InjectPoint::parse(at, error);
        spec.injection.kind = emu::InjectKind::Softirq;
        spec.injection.handler = "lmemu_test_empty_softirq";
        CaseFile with = c;
        with.injects = {spec};
        with.sweep = 0;
        for (const auto& cell : expand(with)) {
            // Taking an interrupt synchronizes context, as an ISB does: a hazard that only
            // the missing synchronization caused may rightly go away.
            const CellOutcome plain = runner.run_cell(c, cell);
            if (plain.result && plain.result->incident && plain.result->incident->context_sync_missing) continue;
            const CellOutcome out = runner.run_cell(with, cell);
            if (out.sweep.empty() && out.status == Status::Fail) continue;  // no such point in this run
            CAPTURE(c.name);
            CAPTURE(out.cell);
            CAPTURE(at);
            CHECK_MESSAGE(out.status == Status::Pass,
                          (out.mismatches.empty() ? out.error : out.mismatches.front()));
            ++swept;
        }
    }
    CHECK(swept > 25);
}

}  // namespace

// Two test cases, so ctest runs them side by side (tests/CMakeLists.txt).
TEST_CASE("run: an empty softirq at every page-table store changes no verdict of the corpus") {
    sweep_empty_softirq("pte_write:*");
}

TEST_CASE("run: an empty softirq at every barrier changes no verdict of the corpus") {
    sweep_empty_softirq("barrier:*");
}

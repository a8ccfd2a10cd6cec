// User roots: switch_mm() loads TTBR0_EL1 through the host, and a task that
// returns to user space must have its own mm's root loaded.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
// A kernel thread takes on a fresh mm, then does `body` and returns to user space.
emu::RunResult run_user(const std::string& body) {
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/sched/mm.h>
        #include <linux/kthread.h>
        #include <linux/completion.h>
        #include <asm/mmu_context.h>
        static struct mm_struct *mm;
        static struct completion done;
        static int user(void *data)
        {{
            kthread_use_mm(mm);
            {}
            lmemu_return_to_user();
            kthread_unuse_mm(mm);
            complete(&done);
            return 0;
        }}
        void scenario(void)
        {{
            init_completion(&done);
            mm = mm_alloc();
            BUG_ON(!mm);
            wake_up_process(kthread_create(user, NULL, "user"));
            wait_for_completion(&done);
            mmput(mm);
        }}
    )",
                                                     body),
                                         {{"CONFIG_MMU_LAZY_TLB_REFCOUNT", "1"}});  // the runner's default lazy_tlb
    emu::Machine m(image, {});
    return m.run();
}
}  // namespace

TEST_CASE("mm: a task whose mm switch_mm() loaded returns to user space cleanly") {
    const auto r = run_user("");
    CHECK(r.verdict == Verdict::Clean);
    if (r.incident) MESSAGE(r.incident->message);
}

TEST_CASE("mm: returning to user space with another root in TTBR0_EL1 is wrong-mm, naming who loaded it") {
    const auto r = run_user("cpu_set_reserved_ttbr0();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::WrongMm);
    CHECK(r.incident->message.find("user returns to user space on CPU 0 with no user root") == 0);
    CHECK(r.incident->message.find("last written at cpu_set_reserved_ttbr0") != std::string::npos);
}

TEST_CASE("mm: a kernel thread cannot return to user space") {
    const auto r = run_user("kthread_unuse_mm(mm); lmemu_return_to_user(); kthread_use_mm(mm);");
    CHECK(r.verdict == Verdict::GuestFault);
    REQUIRE(r.incident);
    CHECK(r.incident->message.find("has no mm") != std::string::npos);
}

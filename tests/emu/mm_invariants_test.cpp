// The mm lifetime invariants (CONFIG_MM_INVARIANTS), each broken on purpose
// by a scenario that sets a reference count or a pointer by hand; and the
// struct-only reference that the invariants leave out.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
// `body` runs on the boot task with `mm` a fresh mm_struct (mm_users 1, mm_count 1).
emu::RunResult run_with_mm(const std::string& body, bool lazy_refcount = true, bool checks = true) {
    std::map<std::string, std::string> defines;
    if (checks) defines["CONFIG_MM_INVARIANTS"] = "1";
    if (lazy_refcount) defines["CONFIG_MMU_LAZY_TLB_REFCOUNT"] = "1";
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/printk.h>
        #include <linux/sched.h>
        #include <linux/sched/mm.h>
        #include <linux/kasan.h>
        void scenario(void)
        {{
            struct mm_struct *mm = mm_alloc();
            BUG_ON(!mm);
            {}
            pr_info("a scheduling point\n");
        }}
    )",
                                                     body),
                                         defines);
    return emu::Machine(image, {}).run();
}
}  // namespace

TEST_CASE("mm invariants: a task's mm must have users") {
    const auto r = run_with_mm("current->mm = mm; atomic_set(&mm->mm_users, 0);");
    CHECK(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::MmInUseWithoutUsers);
    CHECK(r.incident->message.find("swapper/0's mm") != std::string::npos);
    CHECK(r.incident->message.find("mm_users 0, mm_count 1") != std::string::npos);
    // Unchecked, the same scenario runs to its end.
    CHECK(run_with_mm("current->mm = mm; atomic_set(&mm->mm_users, 0); current->mm = NULL;", true, false).verdict ==
          Verdict::Clean);
}

TEST_CASE("mm invariants: mm_users > 0 needs mm_count > 0") {
    const auto r = run_with_mm("atomic_set(&mm->mm_count, 0);");
    CHECK(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::MmUsersWithoutCount);
    CHECK(r.incident->message.find("broken on CPU 0 between") != std::string::npos);
}

TEST_CASE("mm invariants: an active_mm with mm_count 0 is broken under refcounted lazy TLB, a freed one always") {
    // Not freed, count 0: only MMU_LAZY_TLB_REFCOUNT makes active_mm a counted reference.
    const std::string uncounted = "atomic_set(&mm->mm_users, 0); atomic_set(&mm->mm_count, 0); current->active_mm = mm; "
                                  "pr_info(\"on mm\\n\"); current->active_mm = &init_mm;";
    const auto counted = run_with_mm(uncounted, true);
    CHECK(counted.verdict == Verdict::Hazard);
    REQUIRE(counted.incident);
    CHECK(counted.incident->hazard == Hazard::MmInUseWithoutCount);
    CHECK(counted.incident->message.find("swapper/0's active_mm names mm") != std::string::npos);
    CHECK(run_with_mm(uncounted, false).verdict == Verdict::Clean);
    // The last mmput() with the active_mm uncounted: refcounted, seen when
    // mm_count reaches 0 in __mmdrop(); otherwise when the mm is freed.
    for (const bool refcount : {true, false}) {
        const auto freed = run_with_mm("current->active_mm = mm; mmput(mm);", refcount);
        CHECK(freed.verdict == Verdict::Hazard);
        REQUIRE(freed.incident);
        CHECK(freed.incident->hazard == Hazard::MmInUseWithoutCount);
        CHECK(freed.incident->message.find(refcount ? "mm_users 0, mm_count 0" : "which is freed") != std::string::npos);
    }
}

TEST_CASE("mm refcounts: a struct-only reference keeps the struct past the last mmdrop(), and its own drop frees it") {
    // The last user goes: mm_count reaches 0 and the pgd is freed, the
    // struct stays; every invariant holds meanwhile.
    const std::string kept = "mmgrab_struct(mm); mmput(mm); pr_info(\"pgd freed\\n\"); kasan_check_byte(mm);";
    CHECK(run_with_mm(kept).verdict == Verdict::Clean);
    const auto r = run_with_mm(kept + " mmdrop_struct(mm); kasan_check_byte(mm);");
    CHECK(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UseAfterFree);
    // Freed by the struct-only drop, not by __mmdrop().
    const std::string& m = r.incident->message;
    const auto freed = m.find("Freed by task");
    REQUIRE(freed != std::string::npos);
    CHECK(m.find("  __mmdrop_struct+", freed) != std::string::npos);
    CHECK(m.find("  __mmdrop+", freed) == std::string::npos);
}

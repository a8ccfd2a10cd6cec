#include <doctest/doctest.h>

#include "lazymmu/nesting.h"

using namespace lmemu::lazymmu;

TEST_CASE("nesting: policies by name") {
    CHECK(parse_policy("arm64-v6.16") == Policy::Arm64V616);
    CHECK(parse_policy("generic-v7.0") == Policy::GenericV70);
    CHECK_FALSE(parse_policy("arm64-v6.17"));
    CHECK(config_define(Policy::NoNesting) == "CONFIG_LAZY_MMU_NO_NESTING");
}

TEST_CASE("nesting: nested enter is a hazard only under no-nesting") {
    for (const auto& p : policies()) {
        NestingTracker t(p.policy);
        CHECK_FALSE(t.on_event(LazyEvent::Enable));
        const auto nested = t.on_event(LazyEvent::Enable);
        CHECK(nested.has_value() == (p.policy == Policy::NoNesting));
    }
}

TEST_CASE("nesting: underflows are reported, pause hides enable/disable") {
    NestingTracker t(Policy::GenericV70);
    CHECK(t.on_event(LazyEvent::Disable));
    CHECK(t.on_event(LazyEvent::Resume));
    CHECK_FALSE(t.on_event(LazyEvent::Enable));
    CHECK_FALSE(t.on_event(LazyEvent::Pause));
    CHECK_FALSE(t.on_event(LazyEvent::Enable));  // ignored while paused
    CHECK(t.depth() == 1);
    CHECK_FALSE(t.on_event(LazyEvent::Resume));
    CHECK_FALSE(t.on_event(LazyEvent::Disable));
    CHECK(t.depth() == 0);
}

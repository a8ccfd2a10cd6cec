#include <doctest/doctest.h>

#include "emu/inject.h"

using namespace lmemu::emu;

TEST_CASE("inject: points parse in every spelling and print back") {
    std::string error;
    auto p = InjectPoint::parse("call:task_step", error);
    REQUIRE(p);
    CHECK(p->event == InjectPoint::Event::Call);
    CHECK(p->function == "task_step");
    CHECK(p->nth == 1);
    CHECK_FALSE(p->sweep);
    CHECK(p->label() == "call:task_step");

    p = InjectPoint::parse("return:f:3", error);
    REQUIRE(p);
    CHECK(p->event == InjectPoint::Event::Return);
    CHECK(p->nth == 3);
    CHECK(p->label() == "return:f:3");

    p = InjectPoint::parse("pte_write:*", error);
    REQUIRE(p);
    CHECK(p->sweep);
    p->nth = 0;  // counting the sweep's occurrences
    CHECK(p->label() == "pte_write:*");
    p = InjectPoint::parse("barrier:12", error);
    REQUIRE(p);
    CHECK(p->event == InjectPoint::Event::Barrier);
    CHECK(p->label() == "barrier:12");
}

TEST_CASE("inject: bad points say what is allowed") {
    std::string error;
    CHECK_FALSE(InjectPoint::parse("pte_write:0", error));
    CHECK(error.find("from 1") != std::string::npos);
    CHECK_FALSE(InjectPoint::parse("call:", error));
    CHECK(error.find("needs a function name") != std::string::npos);
    CHECK_FALSE(InjectPoint::parse("call:f:x", error));
    CHECK_FALSE(InjectPoint::parse("store:3", error));
    CHECK(error.find("call:FUNC, return:FUNC, pte_write:N or barrier:N") != std::string::npos);
}

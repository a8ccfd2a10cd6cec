// A schedule as data: the CPU chosen at each choice point of a run (a
// scheduling point where more than one CPU could run), in order; after the
// last one, emu::default_choice. Replaying it reproduces the run exactly,
// since everything else a run does is deterministic.
//
// Printed run-length encoded, "0x3,1x2,0,*": CPU 0 at three choices, CPU 1
// at two, CPU 0 at one, then the default. "*" alone is the default schedule.
// "1h" is CPU 1 with its pending interrupt held back (emu::kHoldIrq).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emu/machine.h"

namespace lmemu::explore {

std::string format_schedule(const std::vector<int>& choices);
// One choice as a schedule spells it: "1", or "1h" with its interrupt held back.
std::string format_choice(int choice);
// nullopt with `error` saying what is wrong (and what is allowed).
std::optional<std::vector<int>> parse_schedule(std::string_view text, std::string& error);

// Chooses `choices[i]` at choice i, then the default.
emu::Chooser replay(std::vector<int> choices);

}  // namespace lmemu::explore

// A 128-bit digest of a machine's state at a choice point: two points with
// the same digest continue alike under the same choices (up to a collision,
// about 2^-64 for the states one exploration sees). Exhaustive exploration
// prunes on it (explore/explorer.h); emu/state_hash.cpp says what it covers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lmemu::emu {

struct StateHash {
    uint64_t low = 0, high = 0;
    bool operator==(const StateHash&) const = default;
};
struct StateHashOf {
    size_t operator()(const StateHash& h) const { return static_cast<size_t>(h.low ^ (h.high * 0x9e3779b97f4a7c15ULL)); }
};

}  // namespace lmemu::emu

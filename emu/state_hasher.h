// Streams a state into XXH3-128 (emu/state_hash.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "emu/state_hash.h"

namespace lmemu::emu {

// Every part a class adds is written field by field or as arrays of types
// without padding, so padding bytes never count.
class StateHasher {
public:
    StateHasher() { XXH3_128bits_reset(&state_); }
    StateHasher(const StateHasher&) = delete;
    StateHasher& operator=(const StateHasher&) = delete;

    void bytes(const void* p, size_t n) { XXH3_128bits_update(&state_, p, n); }
    template <class T>
        requires std::is_integral_v<T> || std::is_enum_v<T>
    void add(T v) {
        bytes(&v, sizeof v);
    }
    void add(std::string_view s) {
        add(s.size());
        bytes(s.data(), s.size());
    }
    template <class T>
        requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
    void add(const std::vector<T>& v) {
        add(v.size());
        bytes(v.data(), v.size() * sizeof(T));
    }
    StateHash digest() const {
        const XXH128_hash_t h = XXH3_128bits_digest(&state_);
        return {h.low64, h.high64};
    }

private:
    XXH3_state_t state_;
};

}  // namespace lmemu::emu

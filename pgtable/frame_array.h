// Per-entry data for the frames of the page-table pool, allocated one frame
// at a time on first write. A machine uses a few dozen of its pool frames;
// zeroing data for all of them up front was a third of every boot.
//
// Copies share frames until one side writes (copy on write), so a machine
// restores its booted state in time proportional to the frames in use, not
// to their contents.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "pgtable/descriptor.h"

namespace lmemu::pgtable {

template <class T>
class FrameArray {
public:
    explicit FrameArray(size_t frames) : frames_(frames) {}

    // Unwritten entries read as T{}.
    const T& get(size_t index) const {
        const auto& f = frames_[index / kEntriesPerTable];
        return f ? (*f)[index % kEntriesPerTable] : kEmpty;
    }
    T& at(size_t index) {
        auto& f = frames_[index / kEntriesPerTable];
        if (!f) f = std::make_shared<Frame>();
        else if (f.use_count() > 1) f = std::make_shared<Frame>(*f);
        return (*f)[index % kEntriesPerTable];
    }
    void reset_frame(size_t frame) { frames_[frame].reset(); }

    // For state hashing: a frame still shared with the copy this one was made
    // from (the booted state) is that copy's, named by its address; a frame
    // written since is its bytes. T must have no padding. An address names
    // the same bytes only while that copy lives: hashes are compared within
    // one machine's exploration, whose booted state outlives it.
    template <class Hasher>
    void hash_state(Hasher& h) const {
        static_assert(std::has_unique_object_representations_v<T>, "hashed as bytes: no padding");
        std::vector<uintptr_t> shared(frames_.size());
        for (size_t i = 0; i < frames_.size(); ++i) {
            const auto& f = frames_[i];
            if (f && f.use_count() == 1) {
                shared[i] = 1;
                h.bytes(f->data(), sizeof(Frame));
            } else {
                shared[i] = reinterpret_cast<uintptr_t>(f.get());
            }
        }
        h.bytes(shared.data(), shared.size() * sizeof(uintptr_t));
    }

private:
    using Frame = std::array<T, kEntriesPerTable>;
    static inline const T kEmpty{};
    std::vector<std::shared_ptr<Frame>> frames_;
};

}  // namespace lmemu::pgtable

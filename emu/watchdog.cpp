#include "emu/watchdog.h"

namespace lmemu::emu {

Watchdog& Watchdog::instance() {
    static Watchdog w;
    return w;
}

Watchdog::Watchdog() : thread_([this] { loop(); }) {}

Watchdog::~Watchdog() {
    {
        std::lock_guard lock(mutex_);
        quit_ = true;
    }
    wake_.notify_one();
    thread_.join();
}

void Watchdog::arm(uc_engine* uc, Clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        armed_ = uc;
        deadline_ = deadline;
        fired_ = false;
    }
    wake_.notify_one();
}

bool Watchdog::disarm() {
    std::lock_guard lock(mutex_);
    armed_ = nullptr;
    return fired_;
}

void Watchdog::loop() {
    std::unique_lock lock(mutex_);
    while (!quit_) {
        if (!armed_) {
            wake_.wait(lock);
            continue;
        }
        if (wake_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ && Clock::now() >= deadline_) {
            // Under the lock: the engine is still in this uc_emu_start, or
            // has just returned from it, when stopping a finished one does nothing.
            uc_emu_stop(armed_);
            fired_ = true;
            armed_ = nullptr;
        }
    }
}

}  // namespace lmemu::emu

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
    std::lock_guard lock(mutex_);
    armed_ = uc;
    deadline_ = deadline;
    fired_ = false;
}

bool Watchdog::disarm() {
    std::lock_guard lock(mutex_);
    armed_ = nullptr;
    return fired_;
}

// Polls instead of being woken at every arm(): a run is armed and disarmed
// several times per millisecond, a deadline is hundreds of milliseconds away.
void Watchdog::loop() {
    std::unique_lock lock(mutex_);
    while (!quit_) {
        wake_.wait_for(lock, kPoll);
        if (armed_ && Clock::now() >= deadline_) {
            // Under the lock: the engine is still in this uc_emu_start, or
            // has just returned from it, when stopping a finished one does nothing.
            uc_emu_stop(armed_);
            fired_ = true;
            armed_ = nullptr;
        }
    }
}

}  // namespace lmemu::emu

// The wall-clock guard of a run: one thread for the whole process that stops
// the engine running when its deadline passes. Unicorn's own timeout starts
// and joins a thread for every uc_emu_start, which cost more than many runs.
#pragma once

#include <unicorn/unicorn.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace lmemu::emu {

class Watchdog {
public:
    using Clock = std::chrono::steady_clock;
    static Watchdog& instance();

    // Stops `uc` if it is still armed at `deadline`. One engine at a time.
    void arm(uc_engine* uc, Clock::time_point deadline);
    // Disarms; true if the deadline passed and the engine was stopped.
    bool disarm();

    ~Watchdog();

    // How late a deadline may be noticed.
    static constexpr std::chrono::milliseconds kPoll{5};

private:
    Watchdog();
    void loop();

    std::mutex mutex_;
    std::condition_variable wake_;
    uc_engine* armed_ = nullptr;
    Clock::time_point deadline_;
    bool fired_ = false;
    bool quit_ = false;
    std::thread thread_;  // last: started once the state above exists
};

}  // namespace lmemu::emu

#include "runner/run.h"

#include "explore/schedule.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace lmemu::runner {

namespace fs = std::filesystem;
using lazymmu::to_string;

namespace {
// Exploration makes thousands of runs and shows one: only that one's steps get names.
void symbolize_steps(emu::RunResult& r, const emu::ElfImage& image) {
    for (auto& s : r.steps) s.at.where = image.symbolize(s.at.pc);
}
}  // namespace

const char* to_string(Status s) {
    switch (s) {
    case Status::Pass: return "PASS";
    case Status::Fail: return "FAIL";
    case Status::Error: return "ERROR";
    case Status::Ran: return "RAN";
    }
    return "?";
}

namespace {
double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

std::vector<fs::path> Runner::collect(const std::vector<fs::path>& paths) {
    std::vector<fs::path> out;
    for (const auto& p : paths) {
        if (!fs::is_directory(p)) {
            out.push_back(p);
            continue;
        }
        std::vector<fs::path> found;
        for (const auto& e : fs::recursive_directory_iterator(p))
            if (e.is_regular_file() && e.path().extension() == ".toml") found.push_back(e.path());
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
    }
    return out;
}

std::string incident_function(const emu::Incident& i) {
    const std::string& where = i.access ? i.access->at.where : (i.backtrace.empty() ? std::string{} : i.backtrace[0].where);
    return where.substr(0, where.find('+'));
}

std::vector<std::string> compare(const Expect& e, const emu::RunResult& r) {
    std::vector<std::string> bad;
    if (r.verdict != e.verdict)
        bad.push_back(fmt::format("verdict: expected {}, got {}", to_string(e.verdict), to_string(r.verdict)));
    const auto got_hazard = r.incident ? r.incident->hazard : std::nullopt;
    if (e.hazard && got_hazard != e.hazard)
        bad.push_back(fmt::format("hazard: expected {}, got {}", to_string(*e.hazard),
                                  got_hazard ? to_string(*got_hazard) : "none"));
    if (e.in) {
        const std::string fn = r.incident ? incident_function(*r.incident) : std::string{};
        if (fn != *e.in) bad.push_back(fmt::format("in: expected {}, got {}", *e.in, fn.empty() ? "nothing" : fn));
    }
    auto metric = [&](const char* name, const std::optional<uint64_t>& want, uint64_t got) {
        if (want && *want != got) bad.push_back(fmt::format("{}: expected {}, got {}", name, *want, got));
    };
    metric("lost_batching", e.lost_batching, r.metrics.lost_batching);
    metric("deferred", e.deferred, r.metrics.deferred);
    metric("pte_writes", e.pte_writes, r.metrics.pte_writes);
    return bad;
}

std::shared_ptr<const emu::ElfImage> Runner::build(const Cell& cell, const CellSettings& s, const fs::path& dir,
                                                   CellOutcome& out) {
    const auto t0 = std::chrono::steady_clock::now();
    GuestBuildRequest req;
    req.sources = cell.sources;
    req.defines = s.defines;
    req.include_dirs = {dir.empty() ? fs::path(".") : dir};  // a case run from its own folder: "-I" alone ate the next flag
    const auto built = builder_.build(req);
    out.build_ms = ms_since(t0);
    out.compiled = built.compiled;
    if (!built.elf) {
        out.status = Status::Error;
        out.error = built.diagnostics.empty() ? "build failed" : built.diagnostics;
        return nullptr;
    }
    auto& image = images_[built.elf->string()];
    if (image) return image;
    try {
        image = std::make_shared<const emu::ElfImage>(emu::ElfImage::load(built.elf->string()));
    } catch (const std::exception& e) {
        images_.erase(built.elf->string());
        out.status = Status::Error;
        out.error = e.what();
        return nullptr;
    }
    return image;
}

emu::Machine& Runner::machine(const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s, bool repeats) {
    const std::string key = fmt::format("{}|{}|{}|{}|{}|{}|{}|{}", fmt::ptr(image.get()), s.cpus, s.debug_pagealloc,
                                        lazymmu::to_string(s.policy), lazymmu::to_string(s.arch), s.observe,
                                        lazymmu::to_string(s.arch_features), s.rodata_full);
    auto fresh = [&](emu::Machine::Runs runs) -> emu::Machine& {
        ++boots_;
        one_shot_ = {image, std::make_unique<emu::Machine>(*image, s.machine(), runs), 0};
        return *one_shot_.machine;
    };
    // An exploration re-runs its machine: without reuse, one machine of its own.
    if (!options_.reuse_machines) return fresh(repeats ? emu::Machine::Runs::Many : emu::Machine::Runs::Once);
    if (const auto it = machines_.find(key); it != machines_.end()) {
        it->second.last_used = ++uses_;
        return *it->second.machine;
    }
    // The first time a kernel is asked for, a machine for one run: keeping its
    // booted state would cost more than it saves if it is never run again.
    if (!options_.keep_first_boot && !repeats && run_once_.insert(key).second) return fresh(emu::Machine::Runs::Once);
    if (machines_.size() >= kMaxMachines)
        machines_.erase(std::min_element(machines_.begin(), machines_.end(), [](const auto& a, const auto& b) {
            return a.second.last_used < b.second.last_used;
        }));
    ++boots_;
    Booted& b = machines_[key];
    b = {image, std::make_unique<emu::Machine>(*image, s.machine(), emu::Machine::Runs::Many), ++uses_};
    return *b.machine;
}

std::string verdict_text(const emu::RunResult& r) {
    std::string s{to_string(r.verdict)};
    if (r.incident && r.incident->hazard)
        s += fmt::format(" {} in {}", to_string(*r.incident->hazard), incident_function(*r.incident));
    return s;
}

namespace {

// What every run of a cell did with its injections, for the check that each was taken.
void add_injected(CellOutcome& out, const emu::RunResult& r) {
    if (out.injected.size() < r.injected.size()) out.injected.resize(r.injected.size());
    out.a_run_ended |= r.verdict == lazymmu::Verdict::Clean || r.verdict == lazymmu::Verdict::Warn;
    for (size_t i = 0; i < r.injected.size(); ++i) {
        auto& all = out.injected[i];
        all.taken |= r.injected[i].taken;
        all.events = std::max(all.events, r.injected[i].events);
        for (size_t c = 0; c < all.by_cpu.size(); ++c) all.by_cpu[c] = std::max(all.by_cpu[c], r.injected[i].by_cpu[c]);
    }
}

// "4 call(s) of step() on CPU 0, 1 on CPU 1": how often a point's event happened where.
std::string occurrences(const emu::InjectPoint& at, const std::vector<std::pair<size_t, uint64_t>>& per_cpu) {
    std::string noun;
    switch (at.event) {
    case emu::InjectPoint::Event::Call: noun = fmt::format("call(s) of {}()", at.function); break;
    case emu::InjectPoint::Event::Return: noun = fmt::format("return(s) from {}()", at.function); break;
    case emu::InjectPoint::Event::PteWrite: noun = "page-table store(s)"; break;
    case emu::InjectPoint::Event::Barrier: noun = "barrier(s)"; break;
    }
    std::vector<std::string> parts;
    for (const auto& [cpu, n] : per_cpu)
        parts.push_back(parts.empty() ? fmt::format("{} {} on CPU {}", n, noun, cpu) : fmt::format("{} on CPU {}", n, cpu));
    return fmt::format("{}", fmt::join(parts, ", "));
}

// An [[inject]] no run of the cell took tested nothing: the cell fails, saying
// how often its point happened and where. Where every run stopped at an
// incident first, that incident is what the cell shows: a note says the
// injection did not come.
void check_injections_taken(const CaseFile& c, CellOutcome& out) {
    if (out.status != Status::Pass && out.status != Status::Fail) return;
    for (size_t i = 0; i < c.injects.size() && i < out.injected.size(); ++i) {
        const auto& got = out.injected[i];
        if (got.taken) continue;
        const InjectSpec& spec = c.injects[i];
        const emu::Injection& inj = spec.injection;
        std::vector<std::pair<size_t, uint64_t>> counts{{inj.cpu, got.by_cpu[static_cast<size_t>(inj.cpu)]}};
        for (size_t cpu = 0; cpu < got.by_cpu.size(); ++cpu)
            if (got.by_cpu[cpu] && static_cast<int>(cpu) != inj.cpu) counts.emplace_back(cpu, got.by_cpu[cpu]);
        const std::string where = fmt::format("{}:{}:{}: the [[inject]] of {}", spec.pos.file.string(), spec.pos.line,
                                              spec.pos.column, inj.describe());
        const uint64_t wanted = inj.at.sweep ? 1 : inj.at.nth;
        if (!out.a_run_ended) {
            if (out.result)
                out.result->notes.push_back(fmt::format("{} never fired: the run stopped at its {} first", where,
                                                        lazymmu::to_string(out.result->verdict)));
            continue;
        }
        if (got.events >= wanted && wanted > 0)
            out.mismatches.push_back(fmt::format("{} on CPU {} was never taken: its point was reached, but the "
                                                 "interrupt was still held back when the run ended (see the notes)",
                                                 where, inj.cpu));
        else
            out.mismatches.push_back(fmt::format("{} on CPU {} never fired: the run had {}{}", where, inj.cpu,
                                                 occurrences(inj.at, counts),
                                                 inj.at.sweep ? "" : fmt::format("; it fires at occurrence {} on CPU {}",
                                                                                 inj.at.nth, inj.cpu)));
        out.status = Status::Fail;
    }
}

// A run the wall-clock guard stopped has no verdict: it would be another on a
// faster or idler machine.
std::string wall_clock_error(const emu::RunResult& r) {
    return fmt::format("{}{}; this is not a verdict, since it depends on the host's speed and load: lower budget_blocks "
                       "so that the budget ends the run (a `timeout` the same on every machine), or raise timeout_ms",
                       r.incident ? r.incident->message : "the wall-clock guard stopped the run",
                       r.incident && !r.incident->backtrace.empty()
                           ? fmt::format(" (at {})", r.incident->backtrace.front().where)
                           : "");
}

}  // namespace

std::optional<emu::RunResult> Runner::execute(const std::shared_ptr<const emu::ElfImage>& image,
                                              const CellSettings& s, std::vector<emu::Injection> injections,
                                              CellOutcome& out, const std::optional<std::vector<int>>& schedule,
                                              const explore::ExploreConfig& x, bool timeline) {
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<emu::RunResult> result;
    try {
        emu::MachineConfig cfg = s.machine(options_.trace, std::move(injections));
        cfg.timeline = timeline;
        if (schedule) {
            cfg.choose = explore::replay(*schedule);
            cfg.quantum_blocks = x.quantum_blocks;
            out.schedule = explore::format_schedule(*schedule);
        }
        result = machine(image, s).run(cfg);
        if (schedule && !result->schedule_error && result->steps.size() < schedule->size())
            result->schedule_error = fmt::format("it gives {} choice(s), but the run reached only {} choice point(s)",
                                                 schedule->size(), result->steps.size());
        if (result->wall_clock_stopped || result->schedule_error) {
            out.status = Status::Error;
            out.error = result->schedule_error ? fmt::format("--schedule '{}' does not fit this run: {}",
                                                             explore::format_schedule(*schedule), *result->schedule_error)
                                               : wall_clock_error(*result);
            result.reset();
        } else {
            add_injected(out, *result);
            if (schedule) symbolize_steps(*result, *image);
        }
    } catch (const std::exception& e) {
        out.status = Status::Error;
        out.error = fmt::format("the machine could not start: {}", e.what());
    }
    out.run_ms += ms_since(t0);
    return result;
}

void Runner::judge(const Expect* e, CellOutcome& out) {
    if (!e) {
        out.status = Status::Fail;
        out.mismatches.push_back("no [[expect]] matches this cell");
        return;
    }
    out.mismatches = compare(*e, *out.result);
    out.status = out.mismatches.empty() ? Status::Pass : Status::Fail;
}

// One run counts the occurrences of the swept point; then one run per
// occurrence, with the injection there.
void Runner::run_sweep(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                       const Expect* e, CellOutcome& out) {
    std::vector<emu::Injection> injections = c.injections();
    const size_t swept = *c.sweep;
    out.sweep_at = injections[swept].at.label();
    const auto counting = execute(image, s, injections, out);
    if (!counting) return;
    const uint64_t occurrences = counting->injected[swept].events;
    if (occurrences == 0) {
        out.result = counting;
        out.status = Status::Fail;
        out.mismatches.push_back(fmt::format("{} never happened in this run: nothing to sweep", out.sweep_at));
        return;
    }
    out.sweep_occurrences = occurrences;
    const uint64_t points = std::min(occurrences, c.injects[swept].max_points.value_or(occurrences));
    for (uint64_t n = 1; n <= points; ++n) {
        injections[swept].at.nth = n;
        auto r = execute(image, s, injections, out);
        if (!r) return;
        SweepPoint p{injections[swept].at.label(), std::move(*r), {}};
        p.mismatches = e ? compare(*e, p.result) : std::vector<std::string>{"no [[expect]] matches this cell"};
        out.sweep.push_back(std::move(p));
    }
    const auto failing = std::find_if(out.sweep.begin(), out.sweep.end(), [](const SweepPoint& p) { return !p.mismatches.empty(); });
    const auto meeting = std::find_if(out.sweep.begin(), out.sweep.end(), [](const SweepPoint& p) { return p.mismatches.empty(); });
    const bool some = e && e->points == Quantifier::Some;
    const bool partial = points < occurrences;
    const bool pass = some ? meeting != out.sweep.end() : failing == out.sweep.end() && !partial;
    out.status = pass ? Status::Pass : Status::Fail;
    const SweepPoint* shown = nullptr;
    if (!pass && !some && failing != out.sweep.end()) {
        shown = &*failing;
        const auto n = std::count_if(out.sweep.begin(), out.sweep.end(), [](const SweepPoint& p) { return !p.mismatches.empty(); });
        for (const auto& m : failing->mismatches) out.mismatches.push_back(fmt::format("at {}: {}", failing->at, m));
        out.mismatches.push_back(fmt::format("{} of {} points fail; every point must meet the expectation", n, out.sweep.size()));
    } else if (!pass && !some) {
        shown = &out.sweep.front();
        out.mismatches.push_back(fmt::format("the sweep is partial: {} of the {} points of {} ran (max_points = {}), and "
                                             "points = \"all\" needs every one: raise or remove max_points",
                                             points, occurrences, out.sweep_at, points));
    } else if (!pass) {
        shown = &out.sweep.front();
        out.mismatches.push_back(fmt::format("no point of the sweep{} meets the expectation (points = \"some\"); at {}: {}",
                                             partial ? fmt::format(" ({} of {}, max_points)", points, occurrences) : "",
                                             shown->at, shown->mismatches.front()));
    } else {
        // The first point where something happened tells most; else the first.
        const auto eventful = std::find_if(out.sweep.begin(), out.sweep.end(),
                                           [](const SweepPoint& p) { return p.result.verdict != lazymmu::Verdict::Clean; });
        shown = eventful != out.sweep.end() ? &*eventful : &out.sweep.front();
    }
    out.result = shown->result;
    out.sweep_shown = static_cast<size_t>(shown - out.sweep.data());
}

// Runs the cell under the schedules [explore] picks, judging each run. It
// stops at the first schedule that settles the expectation: for "some", one
// that meets it (the bug is found); for "all", one that does not.
void Runner::run_explore(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                         const Expect* e, CellOutcome& out) {
    const explore::ExploreConfig& x = *c.explore;
    Exploration ex;
    ex.how = x.strategy == explore::Strategy::Exhaustive ? fmt::format("exhaustive, preemption bound {}", x.preemption_bound)
             : x.strategy == explore::Strategy::Random   ? fmt::format("random, seed {}", x.seed)
                                                         : fmt::format("pct, depth {}, seed {}", x.depth, x.seed);
    const bool some = e && e->schedules == Quantifier::Some;
    std::optional<emu::RunResult> shown, first;
    std::vector<std::string> shown_mismatches;
    std::string shown_schedule, first_schedule;
    const auto t0 = std::chrono::steady_clock::now();
    // How a long exploration is going, on stderr: on a terminal one line
    // redrawn twice a second; otherwise (a log, CI) a line every 5 seconds.
    const bool terminal = isatty(STDERR_FILENO);
    const auto progress_every = std::chrono::milliseconds(terminal ? 500 : 5000);
    auto last_progress = t0;
    uint64_t visited = 0, blocks = 0;
    bool printed = false;
    auto report_progress = [&](bool done) {
        if (done) {
            if (terminal && printed) fmt::print(stderr, "\r\033[K");
            return;
        }
        printed = true;
        const double s = ms_since(t0) / 1000;
        std::string eta;
        if (x.strategy != explore::Strategy::Exhaustive && s > 0)
            eta = fmt::format(", ETA {:.0f} s", static_cast<double>(x.max_schedules - visited) / (visited / s));
        std::vector<std::string> seen;
        for (const auto& [v, n] : ex.outcomes) seen.push_back(fmt::format("{} {}", n, v));
        const std::string line = fmt::format("exploring {} [{}]: {} schedules, {:.0f}/s{}, {:.1f}% of budget_blocks: {}",
                                             c.name, out.cell, visited, visited / s, eta,
                                             100.0 * static_cast<double>(blocks) / static_cast<double>(x.budget_blocks),
                                             fmt::join(seen, ", "));
        if (terminal) fmt::print(stderr, "\r\033[K{}", line);
        else fmt::print(stderr, "{}\n", line);
    };
    bool budget_spent = false;
    explore::ExploreSummary sum;
    std::string sum_error;  // a schedule the wall-clock guard stopped
    try {
        emu::Machine& m = machine(image, s, true);
        sum = explore::explore(m, s.machine(options_.trace, c.injections()), x,
                               [&](const std::vector<int>& schedule, emu::RunResult&& r) {
            ++visited;
            if (r.wall_clock_stopped) {
                sum_error = fmt::format("schedule {}: {}", explore::format_schedule(schedule), wall_clock_error(r));
                return false;
            }
            add_injected(out, r);
            blocks += r.blocks;
            if (const auto now = std::chrono::steady_clock::now(); now - last_progress > progress_every) {
                last_progress = now;
                report_progress(false);
            }
            const std::string v = verdict_text(r);
            const auto it = std::find_if(ex.outcomes.begin(), ex.outcomes.end(), [&](const auto& o) { return o.first == v; });
            if (it == ex.outcomes.end()) ex.outcomes.emplace_back(v, 1);
            else ++it->second;
            auto mismatches = e ? compare(*e, r) : std::vector<std::string>{"no [[expect]] matches this cell"};
            const bool settles = some ? mismatches.empty() : !mismatches.empty();
            if (settles) {
                shown_mismatches = std::move(mismatches);
                shown_schedule = explore::format_schedule(schedule);
                shown = std::move(r);
                return false;
            }
            if (!first) {
                first_schedule = explore::format_schedule(schedule);
                first = std::move(r);
            }
            budget_spent = blocks >= x.budget_blocks;
            return !budget_spent;
        });
    } catch (const std::exception& err) {
        out.status = Status::Error;
        out.error = fmt::format("the machine could not start: {}", err.what());
        return;
    }
    report_progress(true);
    out.run_ms += ms_since(t0);
    if (!sum_error.empty()) {
        out.status = Status::Error;
        out.error = fmt::format("{}: exploration stopped: {}", c.file.string(), sum_error);
        return;
    }
    ex.schedules = sum.schedules;
    ex.complete = sum.complete;
    ex.states = sum.states;
    ex.pruned = sum.pruned;
    ex.blocks = blocks;
    if (shown) ex.stopped = some ? "stopped at the first schedule that meets the expectation"
                                 : "stopped at the first schedule that does not meet the expectation";
    else if (budget_spent)
        ex.stopped = fmt::format("partial: its budget_blocks ({}) was spent, {} blocks over {} schedule(s)", x.budget_blocks,
                                 blocks, sum.schedules);
    else if (!sum.complete && x.strategy == explore::Strategy::Exhaustive && sum.error.empty())
        ex.stopped = fmt::format("max_schedules ({}) reached before the bound was exhausted", x.max_schedules);
    const bool pass = some ? shown.has_value() : !shown && sum.error.empty();
    out.status = pass ? Status::Pass : Status::Fail;
    if (!sum.error.empty()) {
        out.status = Status::Error;
        out.error = fmt::format("{}: exploration stopped: {}", c.file.string(), sum.error);
    }
    if (shown) symbolize_steps(*shown, *image);
    if (first) symbolize_steps(*first, *image);
    if (shown) {
        out.result = std::move(shown);
        out.schedule = shown_schedule;
        if (!pass) out.mismatches = shown_mismatches;
    } else if (first) {
        out.result = std::move(first);
        out.schedule = first_schedule;
        if (some) out.mismatches.push_back(fmt::format("no explored schedule meets the expectation (schedules = \"some\"); "
                                                       "the first: {}", compare(*e, *out.result).front()));
    }
    out.exploration = std::move(ex);
}

bool Runner::in_shard(const std::string& case_name, const std::string& cell) const {
    if (options_.shard_count <= 1) return true;
    const uint64_t h = std::stoull(content_hash(case_name + " [" + cell + "]"), nullptr, 16);
    return h % static_cast<uint64_t>(options_.shard_count) == static_cast<uint64_t>(options_.shard_index - 1);
}

CaseSet case_set(const std::vector<fs::path>& files, const RunOptions& options) {
    std::vector<std::string> cells;
    for (const auto& file : files) {
        if (file.extension() == ".c" || file.extension() == ".S") {
            cells.push_back(fmt::format("{} [{}]", file.stem().string(), scenario_cell({file, std::nullopt}, options).label()));
            continue;
        }
        try {
            const CaseFile c = parse_case_file(file);
            for (const auto& cell : expand(c))
                if (selected_by(cell, options.cell_filter)) cells.push_back(fmt::format("{} [{}]", c.name, cell.label()));
        } catch (const std::exception&) {
            cells.push_back(fmt::format("{} [default]", file.stem().string()));  // as run_path() reports it
        }
    }
    std::sort(cells.begin(), cells.end());
    std::string all;
    for (const auto& c : cells) all += c + "\n";
    return {content_hash(all), cells.size()};
}

bool selected_by(const Cell& cell, const std::vector<std::string>& filter) {
    return std::all_of(filter.begin(), filter.end(), [&](const auto& f) {
        return std::any_of(cell.coords.begin(), cell.coords.end(),
                           [&](const auto& kv) { return kv.first + "=" + kv.second == f; });
    });
}

std::optional<Expect> parse_expect_option(const std::string& spec, std::string& error) {
    const size_t colon = spec.find(':');
    const std::string verdict = spec.substr(0, colon);
    Expect e;
    const auto v = lazymmu::parse_verdict(verdict);
    if (!v) {
        error = fmt::format("--expect takes a verdict ({}), or hazard:NAME", fmt::join(lazymmu::verdict_names(), ", "));
        return std::nullopt;
    }
    e.verdict = *v;
    if (colon != std::string::npos) {
        e.hazard = lazymmu::parse_hazard(spec.substr(colon + 1));
        if (*v != lazymmu::Verdict::Hazard || !e.hazard) {
            error = fmt::format("--expect hazard:NAME takes a hazard ({})", fmt::join(lazymmu::hazard_names(), ", "));
            return std::nullopt;
        }
    }
    return e;
}

std::vector<CellOutcome> Runner::run_case(const CaseFile& c) {
    std::vector<CellOutcome> outcomes;
    for (const auto& cell : expand(c))
        if (selected_by(cell, options_.cell_filter) && in_shard(c.name, cell.label())) outcomes.push_back(run_cell(c, cell));
    if (!outcomes.empty()) outcomes.front().warnings = c.warnings;  // once per case file
    return outcomes;
}

CellOutcome Runner::run_cell(const CaseFile& c, const Cell& cell, bool judged) {
    CellOutcome out;
    out.case_name = c.name;
    out.file = c.file;
    out.cell = cell.label();
    const CellSettings s = settings_for(cell.config);
    out.policy = std::string(lazymmu::to_string(s.policy));
    out.arch = std::string(lazymmu::to_string(s.arch));
    const Expect* e = judged ? match_expect(c, cell) : nullptr;
    if (e) out.expect = *e;
    if (auto image = build(cell, s, c.file.parent_path(), out)) {
        try {
            check_injections(c, *image, s.cpus);
            check_threads(c, *image, s.cpus);
            if (options_.schedule) {
                out.result = execute(image, s, c.injections(), out, options_.schedule, c.explore.value_or(explore::ExploreConfig{}));
                if (out.result) judge(e, out);
            } else if (c.sweep) {
                run_sweep(c, image, s, e, out);
            } else if (c.explore) {
                run_explore(c, image, s, e, out);
            } else {
                out.result = execute(image, s, c.injections(), out);
                if (out.result) judge(e, out);
            }
            if (judged) check_injections_taken(c, out);
        } catch (const CaseError& err) {
            out.status = Status::Error;
            out.error = err.render();
        }
        if (options_.timelines && out.result) record_timeline(c, image, s, out);
    }
    if (!judged && out.result) {
        out.status = Status::Ran;
        out.mismatches.clear();
    }
    return out;
}

// The shown run once more, from its printed schedule or at its sweep point,
// recording its timeline: exploration, sweeps and plain runs do not pay for it.
void Runner::record_timeline(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image,
                             const CellSettings& s, const CellOutcome& out) {
    CellOutcome scratch;
    std::optional<std::vector<int>> schedule;
    std::string error;
    if (out.schedule) schedule = explore::parse_schedule(*out.schedule, error);
    auto injections = c.injections();
    std::string label = fmt::format("{} [{}]", c.name, out.cell);
    if (c.sweep && !out.sweep.empty()) {
        injections[*c.sweep].at.nth = out.sweep_shown + 1;  // the points run in order, from the first
        label += " at " + out.sweep[out.sweep_shown].at;
    }
    const auto r = execute(image, s, injections, scratch, schedule, c.explore.value_or(explore::ExploreConfig{}), true);
    if (r) timelines_.emplace_back(label, r->timeline);
}

Cell scenario_cell(GuestSource source, const RunOptions& options) {
    Cell cell;
    cell.sources.push_back(std::move(source));
    cell.config["policy"] = options.policy;
    cell.config["arch"] = options.arch;
    cell.config["timeout_ms"] = std::to_string(options.timeout_ms);
    cell.config["budget_blocks"] = std::to_string(options.budget_blocks);
    cell.config["cpus"] = std::to_string(options.cpus);
    if (options.debug_pagealloc) cell.config["DEBUG_PAGEALLOC"] = "true";
    if (!options.rodata_full) cell.config["RODATA_FULL_DEFAULT_ENABLED"] = "false";
    if (!options.arch_features.empty()) cell.config["arch_features"] = options.arch_features;
    cell.coords = {{"policy", options.policy}, {"DEBUG_PAGEALLOC", options.debug_pagealloc ? "true" : "false"}};
    if (options.arch != "arm64") cell.coords.insert(cell.coords.begin(), {"arch", options.arch});
    return cell;
}

CellOutcome Runner::run_scenario(const fs::path& c_file) {
    CellOutcome out;
    out.case_name = c_file.stem().string();
    out.file = c_file;
    out.policy = options_.policy;
    out.arch = options_.arch;
    const Cell cell = scenario_cell({c_file, std::nullopt}, options_);
    out.cell = cell.label();
    const CellSettings s = settings_for(cell.config);
    if (!fs::exists(c_file)) {
        out.error = fmt::format("{}: error: no such file", c_file.string());
        return out;
    }
    if (auto image = build(cell, s, c_file.parent_path(), out)) {
        out.result = execute(image, s, {}, out);
        if (out.result && options_.scenario_expect) judge(&*options_.scenario_expect, out);
        else if (out.result) out.status = Status::Ran;
    }
    return out;
}

std::vector<CellOutcome> Runner::run_path(const fs::path& file) {
    const std::string stem = file.stem().string();
    if (file.extension() == ".c" || file.extension() == ".S") {
        if (!in_shard(stem, scenario_cell({file, std::nullopt}, options_).label())) return {};
        return {run_scenario(file)};
    }
    // A file that cannot be read is one error cell, in one shard.
    auto error_cell = [&](std::string error) -> std::vector<CellOutcome> {
        CellOutcome out;
        out.case_name = stem;
        out.file = file;
        out.error = std::move(error);
        if (!in_shard(out.case_name, out.cell)) return {};
        return {out};
    };
    try {
        return run_case(parse_case_file(file));
    } catch (const CaseError& e) {
        return error_cell(e.render());
    } catch (const std::exception& e) {
        return error_cell(fmt::format("{}: error: {}", file.string(), e.what()));
    }
}

}  // namespace lmemu::runner

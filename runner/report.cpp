#include "runner/report.h"

#include <fmt/format.h>

#include <algorithm>

#include "pgtable/descriptor.h"

namespace lmemu::runner {

using emu::Incident;
using lazymmu::to_string;

namespace {

std::string flags_str(const lazymmu::LazyState& s) {
    const std::string depth = fmt::format("depth {}{}", s.depth, s.paused ? fmt::format(" (paused {})", s.paused) : "");
    switch (s.arch) {
    case lazymmu::ArchModel::Arm64: break;
    case lazymmu::ArchModel::XenPv: {
        static constexpr const char* kMode[] = {"XEN_LAZY_NONE", "XEN_LAZY_MMU", "XEN_LAZY_CPU"};
        return fmt::format("xen_lazy_mode {}, {}, {} request(s) queued in the CPU's multicall batch",
                           s.cpu_lazy_mode >= 0 && s.cpu_lazy_mode < 3 ? kMode[s.cpu_lazy_mode] : "?", depth,
                           s.pending_writes);
    }
    case lazymmu::ArchModel::Ppc64Hash:
        return fmt::format("ppc64_tlb_batch active {}, {}, {} invalidation(s) queued", s.cpu_lazy_mode, depth,
                           s.pending_writes);
    case lazymmu::ArchModel::Sparc64:
        return fmt::format("tlb_batch active {}, {}, {} flush(es) queued", s.cpu_lazy_mode, depth, s.pending_writes);
    case lazymmu::ArchModel::S390:
        return fmt::format("ipte_batch active {}, {}, {} PTE update(s) cached", s.cpu_lazy_mode, depth,
                           s.pending_writes);
    }
    return fmt::format("TIF_LAZY_MMU {}, TIF_LAZY_MMU_PENDING {}, depth {}{}, {} write(s) pending",
                       s.lazy() ? "set" : "clear", s.barriers_pending() ? "set" : "clear", s.depth,
                       s.paused ? fmt::format(" (paused {})", s.paused) : std::string{}, s.pending_writes);
}

std::string metrics_str(const lazymmu::Metrics& m) {
    return fmt::format("pte_writes={} deferred={} lost_batching={} dsb={} isb={} dmb={} tlbi={}", m.pte_writes,
                       m.deferred, m.lost_batching, m.dsb, m.isb, m.dmb, m.tlbi);
}

void trace_lines(std::string& out, const std::vector<emu::Location>& bt, const char* indent) {
    for (const auto& f : bt) out += fmt::format("{}{}{}\n", indent, f.where, f.source.empty() ? "" : " (" + f.source + ")");
}

std::string headline(const Incident& i, lazymmu::Verdict v) {
    if (i.hazard) return fmt::format("{} in {}", to_string(*i.hazard), incident_function(i));
    return fmt::format("{}: {}", to_string(v), i.message);
}

void render_incident(std::string& out, const Incident& i, const CellOutcome& o, lazymmu::Verdict v) {
    out += "------------[ lmemu: " + headline(i, v) + " ]------------\n";
    out += fmt::format("CPU: {} case {} [{}], {}policy {}\n", i.cpu, o.case_name, o.cell,
                       o.arch == "arm64" ? std::string{} : "arch model " + o.arch + ", ", o.policy);
    if (i.hazard) out += i.message + "\n";
    if (i.access) {
        const auto& a = *i.access;
        out += fmt::format("Unable to handle kernel {} of {} byte(s) at virtual address {:#018x}\n",
                           emu::to_string(a.type), a.size, a.va);
        out += fmt::format("pc : {}{}{}\n", a.at.where, a.insn.empty() ? "" : "   " + a.insn,
                           a.at.source.empty() ? "" : "   (" + a.at.source + ")");
        if (!i.page.empty()) out += fmt::format("address: {}\n", i.page);
    }
    if (!i.walk.empty()) {
        out += "page-table walk (what the CPU wrote):\n";
        for (const auto& l : i.walk) out += "  " + l + "\n";
    }
    if (!i.backtrace.empty()) {
        out += "Call trace:\n";
        trace_lines(out, i.backtrace, "  ");
    }
    if (i.write) {
        const auto& w = i.write->write;
        // What is missing after the write, which is what the fix has to add.
        const std::string& held = i.write->held;
        const char* state = !held.empty() ? held.c_str()
                            : i.hazard == lazymmu::Hazard::BreakBeforeMake ? "the store that broke the rule"
                            : !w.actioned_at ? "not actioned: no DSB has made it visible to the table walker"
                            : i.hazard == lazymmu::Hazard::StaleTlb
                                ? "visible to the table walker, but the translation it replaced may still be used"
                                : "visible to the table walker, but no ISB since on this CPU";
        out += !held.empty() ? fmt::format("Page-table update, {}:\n", state)
                               : fmt::format("Page-table write #{}, {}:\n", w.seq, state);
        out += fmt::format("  {} entry at phys {:#x}", pgtable::level_name(w.level), w.entry.value);
        if (w.level >= 0) out += fmt::format(", maps {:#018x}", w.va.value);
        out += "\n";
        out += fmt::format("  old: {}\n", pgtable::describe(pgtable::Pte{w.old_value}, w.level < 0 ? 3 : w.level));
        out += fmt::format("  new: {}\n", pgtable::describe(pgtable::Pte{w.new_value}, w.level < 0 ? 3 : w.level));
        out += fmt::format("  written on CPU {} at {} with {}\n", w.cpu,
                           i.write->backtrace.empty() ? "?" : i.write->backtrace[0].where, flags_str(w.lazy));
        out += "  Call trace of the write:\n";
        trace_lines(out, i.write->backtrace, "    ");
    }
    if (i.break_write) {
        const auto& w = i.break_write->write;
        out += fmt::format("Page-table write #{} made the entry invalid at {} on CPU {}, but {}\n", w.seq,
                           i.break_write->backtrace.empty() ? "?" : i.break_write->backtrace[0].where, w.cpu,
                           w.actioned_at ? "no TLBI covering the old entry completed before the new one was written"
                                         : "no DSB made it visible to the table walker before the new one was written");
    }
    if (i.linux_recovers)
        out += "Linux since v5.4 would recover: is_spurious_el1_translation_fault() finds the entry valid and retries "
               "the access (the hazard stays: the fault was possible, and an older kernel oopses)\n";
    out += fmt::format("Lazy MMU state: {}\n", flags_str(i.lazy));
}

}  // namespace

std::string summary_line(const CellOutcome& o) {
    std::string s = fmt::format("{:<5} {} [{}]", to_string(o.status), o.case_name, o.cell);
    if (o.exploration) {
        // "explored 17 schedules (exhaustive, preemption bound 2, complete): 16 clean, 1 hazard stale-tlb in reader"
        const auto& x = *o.exploration;
        std::vector<std::string> parts;
        for (const auto& [v, n] : x.outcomes) parts.push_back(fmt::format("{} {}", n, v));
        const std::string states =
            x.states ? fmt::format(", {} states, {} schedule(s) met one seen before", x.states, x.pruned) : "";
        return s + fmt::format(": explored {} schedule(s) ({}{}{}{}): {}  ({:.1f} ms)", x.schedules, x.how,
                               x.complete ? ", complete" : "", states, x.stopped.empty() ? "" : "; " + x.stopped,
                               fmt::join(parts, ", "), o.run_ms);
    }
    if (!o.sweep.empty()) {
        // "sweep pte_write:* over 14 points: 12 clean, 2 hazard unactioned-mapping in clear_page"
        std::vector<std::pair<std::string, int>> counts;
        for (const auto& p : o.sweep) {
            const std::string v = verdict_text(p.result);
            auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == v; });
            if (it == counts.end()) counts.emplace_back(v, 1);
            else ++it->second;
        }
        std::vector<std::string> parts;
        for (const auto& [v, n] : counts) parts.push_back(fmt::format("{} {}", n, v));
        const std::string over = o.sweep.size() < o.sweep_occurrences
                                     ? fmt::format("partial, over {} of {} points (max_points)", o.sweep.size(),
                                                   o.sweep_occurrences)
                                     : fmt::format("over {} points", o.sweep.size());
        return s + fmt::format(": sweep {} {}: {}  ({:.1f} ms)", o.sweep_at, over, fmt::join(parts, ", "), o.run_ms);
    }
    if (o.result) {
        const auto& r = *o.result;
        s += ": " + verdict_text(r);
        s += fmt::format("  (pte_writes={} deferred={} lost_batching={} dsb={} tlbi={}, {:.1f} ms)",
                         r.metrics.pte_writes, r.metrics.deferred, r.metrics.lost_batching, r.metrics.dsb,
                         r.metrics.tlbi, o.run_ms);
    }
    return s;
}

namespace {

// One line per point, then where the verdict changes from one point to the next.
void render_sweep(std::string& out, const CellOutcome& o) {
    // points = "all": mark the points that fail it; "some": those that meet it.
    const bool some = o.expect && o.expect->points == Quantifier::Some;
    for (const auto& p : o.sweep) {
        const char* mark = some ? (p.mismatches.empty() ? "  [as expected]" : "") : (p.mismatches.empty() ? "" : "  [FAIL]");
        out += fmt::format("  {:<24} {}{}\n", p.at, verdict_text(p.result), mark);
    }
    std::vector<std::string> changes;
    for (size_t i = 1; i < o.sweep.size(); ++i) {
        const std::string before = verdict_text(o.sweep[i - 1].result), after = verdict_text(o.sweep[i].result);
        if (before != after) changes.push_back(fmt::format("{} ({} -> {})", o.sweep[i].at, before, after));
    }
    out += changes.empty() ? fmt::format("  the verdict is the same at every point\n")
                           : fmt::format("  the verdict changes at: {}\n", fmt::join(changes, ", "));
    out += fmt::format("Report of the run with the injection at {}:\n", o.sweep[o.sweep_shown].at);
}

// The schedule to replay, and the interleaving: each choice where another CPU took over.
void render_schedule(std::string& out, const CellOutcome& o) {
    const auto& steps = o.result->steps;
    out += fmt::format("Schedule: {}  (replay: lmemu run {} --cell ... --schedule '{}')\n", *o.schedule,
                       o.file.filename().string(), *o.schedule);
    out += fmt::format("Interleaving: {} choice(s) between CPUs; where another CPU took over or an interrupt "
                       "was held back:\n",
                       steps.size());
    for (size_t i = 0; i < steps.size(); ++i) {
        const auto& st = steps[i];
        if (st.next == st.cpu) continue;
        out += fmt::format("  choice {:<4} CPU {} at {} ({}) -> CPU {}{}\n", i, st.cpu, st.at.where,
                           emu::to_string(st.kind), emu::chosen_cpu(st.next),
                           emu::holds_irq(st.next) ? ", its interrupt held back" : "");
    }
}

}  // namespace

std::string render_report(const CellOutcome& o) {
    std::string out;
    if (!o.error.empty()) {
        out += o.error;
        if (out.back() != '\n') out += '\n';
        return out;
    }
    if (!o.result) return out;
    const auto& r = *o.result;
    // Cites the [[expect]] that was not met, so an editor can jump to it.
    const std::string where = o.expect && o.expect->pos.line ? fmt::format("{}:{}", o.file.string(), o.expect->pos.line)
                                                              : o.file.string();
    for (const auto& m : o.mismatches) out += fmt::format("{}: {} [{}]: {}\n", where, o.case_name, o.cell, m);
    if (!o.sweep.empty()) render_sweep(out, o);
    if (o.schedule) render_schedule(out, o);
    for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
    if (r.incident) render_incident(out, *r.incident, o, r.verdict);
    for (const auto& w : r.warnings) render_incident(out, w, o, lazymmu::Verdict::Warn);
    if (r.dropped.total())
        out += fmt::format("note: not kept (per-run caps): {} warnings, {} console lines, {} trace lines, {} timeline "
                           "events\n",
                           r.dropped.warnings, r.dropped.console, r.dropped.trace, r.dropped.timeline);
    if (r.incident || !r.warnings.empty() || o.status != Status::Pass) {
        if (!r.console.empty()) {
            out += "Console:\n";
            for (const auto& l : r.console) out += "  " + l + "\n";
        }
        out += fmt::format("Metrics: {}\n", metrics_str(r.metrics));
    }
    if (!r.trace.empty()) {
        out += "Trace:\n";
        for (const auto& l : r.trace) out += "  " + l + "\n";
    }
    return out;
}

namespace {

nlohmann::json location_json(const emu::Location& l) {
    return {{"pc", fmt::format("{:#x}", l.pc)}, {"where", l.where}, {"source", l.source}};
}

nlohmann::json incident_json(const Incident& i) {
    nlohmann::json j;
    j["hazard"] = i.hazard ? nlohmann::json(std::string(to_string(*i.hazard))) : nlohmann::json(nullptr);
    j["message"] = i.message;
    j["cpu"] = i.cpu;
    j["function"] = incident_function(i);
    if (i.access) {
        const auto& a = *i.access;
        j["access"] = {{"va", fmt::format("{:#x}", a.va)}, {"type", emu::to_string(a.type)}, {"size", a.size},
                       {"at", location_json(a.at)}, {"insn", a.insn}};
    }
    j["backtrace"] = nlohmann::json::array();
    for (const auto& f : i.backtrace) j["backtrace"].push_back(location_json(f));
    j["walk"] = i.walk;
    j["page"] = i.page;
    if (i.write) {
        const auto& w = i.write->write;
        nlohmann::json bt = nlohmann::json::array();
        for (const auto& f : i.write->backtrace) bt.push_back(location_json(f));
        j["pending_write"] = {{"seq", w.seq},
                              {"entry", fmt::format("{:#x}", w.entry.value)},
                              {"level", w.level},
                              {"cpu", w.cpu},
                              {"va", fmt::format("{:#x}", w.va.value)},
                              {"old", fmt::format("{:#x}", w.old_value)},
                              {"new", fmt::format("{:#x}", w.new_value)},
                              {"visible_to_walker", w.actioned_at != 0},
                              {"thread_flags", fmt::format("{:#x}", w.lazy.thread_flags)},
                              {"backtrace", bt}};
    }
    if (i.break_write) {
        const auto& w = i.break_write->write;
        j["break_write"] = {{"seq", w.seq}, {"cpu", w.cpu}, {"visible_to_walker", w.actioned_at != 0},
                            {"at", i.break_write->backtrace.empty() ? nlohmann::json(nullptr)
                                                                    : location_json(i.break_write->backtrace[0])}};
    }
    j["linux_recovers"] = i.linux_recovers;
    j["lazy"] = {{"thread_flags", fmt::format("{:#x}", i.lazy.thread_flags)},
                 {"TIF_LAZY_MMU", ((i.lazy.thread_flags >> lazymmu::kTifLazyMmu) & 1) != 0},
                 {"lazy", i.lazy.lazy()},
                 {"TIF_LAZY_MMU_PENDING", i.lazy.barriers_pending()},
                 {"depth", i.lazy.depth},
                 {"paused", i.lazy.paused},
                 {"pending_writes", i.lazy.pending_writes}};
    if (i.lazy.cpu_lazy_mode >= 0) j["lazy"]["cpu_lazy_mode"] = i.lazy.cpu_lazy_mode;
    if (i.write) j["pending_write"]["queued"] = !i.write->held.empty();
    if (i.write && !i.write->held.empty()) j["pending_write"]["held"] = i.write->held;
    return j;
}

}  // namespace

nlohmann::json to_json(const CellOutcome& o) {
    nlohmann::json j{{"case", o.case_name}, {"file", o.file.string()}, {"cell", o.cell},
                     {"policy", o.policy}, {"arch", o.arch}, {"status", to_string(o.status)}, {"mismatches", o.mismatches}};
    if (!o.error.empty()) j["error"] = o.error;
    if (!o.warnings.empty()) j["case_warnings"] = o.warnings;
    if (o.expect) {
        j["expected"] = {{"verdict", to_string(o.expect->verdict)}};
        if (o.expect->hazard) j["expected"]["hazard"] = to_string(*o.expect->hazard);
        if (o.expect->in) j["expected"]["in"] = *o.expect->in;
    }
    if (o.result) {
        const auto& r = *o.result;
        const auto& m = r.metrics;
        j["verdict"] = to_string(r.verdict);
        j["metrics"] = {{"pte_writes", m.pte_writes}, {"deferred", m.deferred}, {"lost_batching", m.lost_batching},
                        {"dsb", m.dsb}, {"isb", m.isb}, {"dmb", m.dmb}, {"tlbi", m.tlbi}};
        j["incident"] = r.incident ? incident_json(*r.incident) : nlohmann::json(nullptr);
        j["warnings"] = nlohmann::json::array();
        for (const auto& w : r.warnings) j["warnings"].push_back(incident_json(w));
        j["console"] = r.console;
        j["notes"] = r.notes;
        if (!r.trace.empty()) j["trace"] = r.trace;
    }
    if (o.schedule) {
        j["schedule"] = *o.schedule;
        j["steps"] = nlohmann::json::array();
        if (o.result)  // none when the schedule did not fit the run
            for (const auto& st : o.result->steps)
                j["steps"].push_back({{"cpu", st.cpu}, {"at", location_json(st.at)}, {"kind", emu::to_string(st.kind)},
                                      {"next", emu::chosen_cpu(st.next)}, {"holds_irq", emu::holds_irq(st.next)}});
    }
    if (o.exploration) {
        const auto& x = *o.exploration;
        j["exploration"] = {{"how", x.how}, {"schedules", x.schedules}, {"complete", x.complete}, {"states", x.states},
                            {"pruned", x.pruned}, {"blocks", x.blocks}, {"stopped", x.stopped},
                            {"outcomes", nlohmann::json::array()}};
        for (const auto& [v, n] : x.outcomes) j["exploration"]["outcomes"].push_back({{"summary", v}, {"schedules", n}});
    }
    if (!o.sweep.empty()) {
        j["sweep"] = {{"at", o.sweep_at},
                      {"occurrences", o.sweep_occurrences},
                      {"partial", o.sweep.size() < o.sweep_occurrences},
                      {"points", nlohmann::json::array()}};
        for (const auto& p : o.sweep)
            j["sweep"]["points"].push_back({{"at", p.at},
                                            {"verdict", to_string(p.result.verdict)},
                                            {"summary", verdict_text(p.result)},
                                            {"mismatches", p.mismatches}});
    }
    return j;
}

nlohmann::json perfetto_json(const std::string& label, const std::vector<emu::TimelineEvent>& events) {
    int cpus = 1;
    for (const auto& e : events) cpus = std::max(cpus, e.cpu + 1);
    nlohmann::json trace = nlohmann::json::array();
    trace.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 0}, {"args", {{"name", label}}}});
    for (int c = 0; c < cpus; ++c)
        trace.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 0}, {"tid", c}, {"args", {{"name", fmt::format("CPU {}", c)}}}});
    for (const auto& e : events) {
        nlohmann::json j{{"name", e.name}, {"cat", e.category}, {"ph", std::string(1, e.phase)},
                         {"ts", e.time}, {"pid", 0}, {"tid", e.cpu}};
        if (e.phase == 'i') j["s"] = "t";
        trace.push_back(std::move(j));
    }
    return {{"traceEvents", trace}, {"otherData", {{"time unit", "translated blocks executed by all CPUs"}}}};
}

std::string render_case_table(const std::vector<nlohmann::json>& cells) {
    struct Row {
        std::string name;
        size_t runs = 0;
        bool failed = false;
        std::vector<std::pair<std::string, size_t>> verdicts;  // in the order first seen
        std::vector<std::string> failures;
    };
    // A field as text, or `none` where the cell lacks it (a case file that did not parse has no verdict).
    auto text = [](const nlohmann::json& c, const char* key, const char* none) {
        const auto it = c.find(key);
        return it != c.end() && it->is_string() ? it->get<std::string>() : std::string(none);
    };
    std::vector<Row> rows;
    for (const auto& c : cells) {
        const std::string name = text(c, "case", "?");
        if (rows.empty() || rows.back().name != name) rows.push_back({name});
        Row& row = rows.back();
        ++row.runs;
        const std::string status = text(c, "status", "");
        std::string verdict = text(c, "verdict", "error");
        if (const auto i = c.find("incident"); i != c.end() && i->is_object()) verdict = text(*i, "hazard", verdict.c_str());
        if (status == "ERROR") verdict = "error";
        if (c.contains("sweep")) verdict = "sweep";
        const auto it = std::find_if(row.verdicts.begin(), row.verdicts.end(), [&](const auto& v) { return v.first == verdict; });
        if (it == row.verdicts.end()) row.verdicts.push_back({verdict, 1});
        else ++it->second;
        if (status == "FAIL" || status == "ERROR") {
            row.failed = true;
            // An error's first line names the file, line and column; the full text is printed above.
            std::string why = status == "ERROR" ? text(c, "error", "could not run") : "";
            why = why.substr(0, why.find('\n'));
            if (const auto m = c.find("mismatches"); m != c.end() && m->is_array() && !m->empty() && (*m)[0].is_string())
                why = (*m)[0].get<std::string>();
            row.failures.push_back(fmt::format("{} [{}]: {}", status, text(c, "cell", "default"), why));
        }
    }
    size_t width = 4;
    for (const auto& r : rows) width = std::max(width, r.name.size());
    std::string out = fmt::format("\n{:<{}}  runs  result  verdicts\n", "case", width);
    for (const auto& r : rows) {
        std::vector<std::string> v;
        for (const auto& [what, n] : r.verdicts) v.push_back(fmt::format("{} {}", what, n));
        out += fmt::format("{:<{}}  {:>4}  {:<6}  {}\n", r.name, width, r.runs, r.failed ? "FAIL" : "PASS",
                           fmt::join(v, ", "));
        for (const auto& f : r.failures) out += fmt::format("{:<{}}    {}\n", "", width, f);
    }
    return out;
}

int exit_status(const std::vector<CellOutcome>& all, bool may_be_empty) {
    const bool ok = std::all_of(all.begin(), all.end(),
                                [](const CellOutcome& o) { return o.status == Status::Pass || o.status == Status::Ran; });
    return ok && (!all.empty() || may_be_empty) ? 0 : 1;
}

nlohmann::json run_json(std::vector<nlohmann::json> cells, int shard_index, int shard_count, const CaseSet& set) {
    return {{"lmemu", "run"},
            {"shard", {{"index", shard_index}, {"count", shard_count}}},
            {"case_set", {{"id", set.id}, {"cells", set.cells}}},
            {"cells", std::move(cells)}};
}

std::string render_totals(const std::vector<CellOutcome>& all) {
    size_t n[4] = {};
    for (const auto& o : all) ++n[static_cast<int>(o.status)];
    std::string s = fmt::format("{} run(s): {} passed, {} failed", all.size(), n[0], n[1]);
    if (n[2]) s += fmt::format(", {} error(s)", n[2]);
    if (n[3]) s += fmt::format(", {} without expectations", n[3]);
    return s;
}

}  // namespace lmemu::runner

namespace lmemu::runner {

namespace {
std::string xml_escape(const std::string& s) {
    std::string out;
    for (const char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default:
            // XML 1.0 allows no control characters but tab and newline.
            if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') out += ' ';
            else out += c;
        }
    }
    return out;
}
}  // namespace

std::string junit_xml(const std::vector<nlohmann::json>& cells) {
    // One <testsuite> per case, in the order cases ran; one <testcase> per cell.
    std::vector<std::pair<std::string, std::vector<const nlohmann::json*>>> suites;
    for (const auto& c : cells) {
        const std::string name = c.value("case", "");
        if (suites.empty() || suites.back().first != name) suites.push_back({name, {}});
        suites.back().second.push_back(&c);
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"lmemu\">\n";
    for (const auto& [name, list] : suites) {
        int failures = 0, errors = 0;
        for (const auto* c : list) {
            const std::string st = c->value("status", "");
            failures += st == "FAIL";
            errors += st == "ERROR";
        }
        out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">\n", xml_escape(name),
                           list.size(), failures, errors);
        for (const auto* c : list) {
            const std::string st = c->value("status", "");
            // No time attribute: the report is the same bytes every run, as --json is.
            out += fmt::format("    <testcase classname=\"lmemu.{}\" name=\"{}\" file=\"{}\"", xml_escape(name),
                               xml_escape(c->value("cell", "")), xml_escape(c->value("file", "")));
            if (st == "FAIL") {
                std::string why;
                for (const auto& m : c->value("mismatches", nlohmann::json::array())) why += m.get<std::string>() + "\n";
                out += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                                   xml_escape(why.substr(0, why.find('\n'))), xml_escape(why));
            } else if (st == "ERROR") {
                const std::string err = c->value("error", "");
                out += fmt::format(">\n      <error message=\"{}\">{}</error>\n    </testcase>\n",
                                   xml_escape(err.substr(0, err.find('\n'))), xml_escape(err));
            } else {
                out += "/>\n";
            }
        }
        out += "  </testsuite>\n";
    }
    return out + "</testsuites>\n";
}

}  // namespace lmemu::runner

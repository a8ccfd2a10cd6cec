#include "runner/run.h"

#include <algorithm>
#include <chrono>
#include <fmt/format.h>

namespace lmemu::runner {

namespace fs = std::filesystem;
using lazymmu::to_string;

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

std::optional<emu::ElfImage> Runner::build(const Cell& cell, const CellSettings& s, const fs::path& dir,
                                           CellOutcome& out) {
    const auto t0 = std::chrono::steady_clock::now();
    GuestBuildRequest req;
    req.sources = cell.sources;
    req.defines = s.defines;
    req.include_dirs = {dir};
    const auto built = builder_.build(req);
    out.build_ms = ms_since(t0);
    out.compiled = built.compiled;
    if (!built.elf) {
        out.status = Status::Error;
        out.error = built.diagnostics.empty() ? "build failed" : built.diagnostics;
        return std::nullopt;
    }
    try {
        return emu::ElfImage::load(built.elf->string());
    } catch (const std::exception& e) {
        out.status = Status::Error;
        out.error = e.what();
        return std::nullopt;
    }
}

void Runner::execute(const emu::ElfImage& image, const CellSettings& s, CellOutcome& out) {
    const auto t0 = std::chrono::steady_clock::now();
    try {
        emu::Machine m(image, s.machine(options_.trace));
        out.result = m.run();
    } catch (const std::exception& e) {
        out.status = Status::Error;
        out.error = fmt::format("the machine could not start: {}", e.what());
    }
    out.run_ms = ms_since(t0);
}

std::vector<CellOutcome> Runner::run_case(const CaseFile& c) {
    std::vector<CellOutcome> outcomes;
    for (const auto& cell : expand(c)) {
        const bool selected = std::all_of(options_.cell_filter.begin(), options_.cell_filter.end(), [&](const auto& f) {
            return std::any_of(cell.coords.begin(), cell.coords.end(),
                               [&](const auto& kv) { return kv.first + "=" + kv.second == f; });
        });
        if (!selected) continue;
        CellOutcome out;
        out.case_name = c.name;
        out.file = c.file;
        out.cell = cell.label();
        const CellSettings s = settings_for(cell.config);
        out.policy = std::string(lazymmu::to_string(s.policy));
        const Expect* e = match_expect(c, cell);
        if (e) out.expect = *e;
        if (auto image = build(cell, s, c.file.parent_path(), out)) {
            execute(*image, s, out);
            if (out.result) {
                if (!e) {
                    out.status = Status::Fail;
                    out.mismatches.push_back("no [[expect]] matches this cell");
                } else {
                    out.mismatches = compare(*e, *out.result);
                    out.status = out.mismatches.empty() ? Status::Pass : Status::Fail;
                }
            }
        }
        outcomes.push_back(std::move(out));
    }
    return outcomes;
}

Cell Runner::scenario_cell(GuestSource source) const {
    Cell cell;
    cell.sources.push_back(std::move(source));
    cell.config["policy"] = options_.policy;
    cell.config["timeout_ms"] = std::to_string(options_.timeout_ms);
    cell.config["cpus"] = std::to_string(options_.cpus);
    if (options_.debug_pagealloc) cell.config["DEBUG_PAGEALLOC"] = "true";
    cell.coords = {{"policy", options_.policy}, {"DEBUG_PAGEALLOC", options_.debug_pagealloc ? "true" : "false"}};
    return cell;
}

CellOutcome Runner::run_scenario(const fs::path& c_file) {
    CellOutcome out;
    out.case_name = c_file.stem().string();
    out.file = c_file;
    out.policy = options_.policy;
    const Cell cell = scenario_cell({c_file, std::nullopt});
    out.cell = cell.label();
    const CellSettings s = settings_for(cell.config);
    if (!fs::exists(c_file)) {
        out.error = fmt::format("{}: error: no such file", c_file.string());
        return out;
    }
    if (auto image = build(cell, s, c_file.parent_path(), out)) {
        execute(*image, s, out);
        if (out.result) out.status = Status::Ran;
    }
    return out;
}

std::vector<CellOutcome> Runner::run_path(const fs::path& file) {
    if (file.extension() == ".c" || file.extension() == ".S") return {run_scenario(file)};
    try {
        return run_case(parse_case_file(file));
    } catch (const CaseError& e) {
        CellOutcome out;
        out.case_name = file.stem().string();
        out.file = file;
        out.error = e.render();
        return {out};
    } catch (const std::exception& e) {
        CellOutcome out;
        out.case_name = file.stem().string();
        out.file = file;
        out.error = fmt::format("{}: error: {}", file.string(), e.what());
        return {out};
    }
}

}  // namespace lmemu::runner

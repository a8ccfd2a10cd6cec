#include "runner/matrix.h"

#include <fmt/format.h>

#include <algorithm>

#include "runner/report.h"

namespace lmemu::runner {

namespace fs = std::filesystem;

namespace {

std::string setting_of(const Cell& cell, const std::string& key, const std::string& fallback) {
    const auto it = cell.config.find(key);
    return it == cell.config.end() ? fallback : it->second;
}
std::string policy_of(const Cell& cell) {
    return setting_of(cell, "policy", std::string(lazymmu::to_string(CellSettings{}.policy)));
}
std::string arch_of(const Cell& cell) { return setting_of(cell, "arch", "arm64"); }

// The row a cell belongs to: its coordinates other than the columns' (arch, policy).
std::string row_key(const Cell& cell) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : cell.coords)
        if (k != "policy" && k != "arch") parts.push_back(k + "=" + v);
    return parts.empty() ? "default" : fmt::format("{}", fmt::join(parts, ","));
}

// "clean d=10 lb=0 dsb=5", "hazard nesting", "sweep 4/14 clean"; FAIL or
// ERROR in front when a judged cell missed its expectation, ~ when unjudged.
std::string cell_text(const CellOutcome& o, bool declared, bool fits) {
    if (!fits) return "n/a";
    std::string mark = o.status == Status::Fail ? "FAIL " : o.status == Status::Error ? "ERROR" : "";
    if (!declared && o.status != Status::Error) mark = "~";
    if (!o.result) return mark;
    const auto& r = *o.result;
    if (!o.sweep.empty()) {
        const auto clean = std::count_if(o.sweep.begin(), o.sweep.end(),
                                         [](const SweepPoint& p) { return p.result.verdict == lazymmu::Verdict::Clean; });
        return fmt::format("{}sweep {}/{} clean", mark, clean, o.sweep.size());
    }
    std::string v{lazymmu::to_string(r.verdict)};
    if (r.incident && r.incident->hazard) v += " " + std::string(lazymmu::to_string(*r.incident->hazard));
    return fmt::format("{}{} d={} lb={} dsb={}", mark, v, r.metrics.deferred, r.metrics.lost_batching, r.metrics.dsb);
}

}  // namespace

bool Matrix::ok() const {
    if (!errors.empty()) return false;
    for (const auto& row : rows)
        for (size_t i = 0; i < row.cells.size(); ++i)
            if (row.declared[i] && row.fits[i] && row.cells[i].status != Status::Pass) return false;
    return true;
}

Matrix run_matrix(Runner& runner, const std::vector<fs::path>& case_files) {
    Matrix m;
    std::vector<CaseFile> cases;
    for (const auto& file : case_files) {
        if (file.extension() != ".toml") continue;
        try {
            cases.push_back(parse_case_file(file));
        } catch (const CaseError& e) {
            CellOutcome out;
            out.case_name = file.stem().string();
            out.file = file;
            out.error = e.render();
            m.errors.push_back(std::move(out));
        }
    }
    // One column per arch model some case is written for, times every policy.
    for (const auto& a : lazymmu::arch_models()) {
        const bool used = std::any_of(cases.begin(), cases.end(), [&](const CaseFile& c) {
            return std::find(c.arches.begin(), c.arches.end(), a.name) != c.arches.end();
        });
        if (!used) continue;
        for (const auto& p : lazymmu::policies()) m.columns.push_back({std::string(a.name), std::string(p.name)});
    }
    for (const auto& c : cases) {
        const auto cells = expand(c);
        std::vector<std::string> keys;  // rows in the order the matrix expands
        for (const auto& cell : cells)
            if (std::find(keys.begin(), keys.end(), row_key(cell)) == keys.end()) keys.push_back(row_key(cell));
        for (const auto& key : keys) {
            MatrixRow row{c.name, key, {}, {}, {}};
            const Cell* any = nullptr;
            for (const auto& cell : cells)
                if (row_key(cell) == key && !any) any = &cell;
            for (const auto& col : m.columns) {
                // Arch-specific code runs under its own model only.
                if (std::find(c.arches.begin(), c.arches.end(), col.arch) == c.arches.end()) {
                    row.cells.emplace_back();
                    row.declared.push_back(false);
                    row.fits.push_back(false);
                    continue;
                }
                row.fits.push_back(true);
                const auto declared = std::find_if(cells.begin(), cells.end(), [&](const Cell& cell) {
                    return row_key(cell) == key && policy_of(cell) == col.policy && arch_of(cell) == col.arch;
                });
                if (declared != cells.end()) {
                    row.cells.push_back(runner.run_cell(c, *declared));
                    row.declared.push_back(true);
                    continue;
                }
                Cell cell = *any;
                cell.config["policy"] = col.policy;
                cell.config["arch"] = col.arch;
                std::erase_if(cell.coords, [](const auto& kv) { return kv.first == "policy" || kv.first == "arch"; });
                cell.coords.insert(cell.coords.begin(), {"policy", col.policy});
                if (c.arches.size() > 1) cell.coords.insert(cell.coords.begin(), {"arch", col.arch});
                row.cells.push_back(runner.run_cell(c, cell, /*judged=*/false));
                row.declared.push_back(false);
            }
            m.rows.push_back(std::move(row));
        }
    }
    return m;
}

std::string render_matrix(const Matrix& m) {
    std::vector<std::string> labels;
    for (const auto& row : m.rows) labels.push_back(fmt::format("{} [{}]", row.case_name, row.coords));
    size_t label_width = 4;
    for (const auto& l : labels) label_width = std::max(label_width, l.size());
    std::vector<size_t> widths;
    std::vector<std::string> headers;
    for (const auto& c : m.columns) headers.push_back(c.label());
    for (const auto& h : headers) widths.push_back(h.size());
    std::vector<std::vector<std::string>> texts;
    for (const auto& row : m.rows) {
        texts.emplace_back();
        for (size_t i = 0; i < row.cells.size(); ++i) {
            texts.back().push_back(cell_text(row.cells[i], row.declared[i], row.fits[i]));
            widths[i] = std::max(widths[i], texts.back().back().size());
        }
    }
    std::string out = fmt::format("{:<{}}", "case", label_width);
    for (size_t i = 0; i < headers.size(); ++i) out += fmt::format("  {:<{}}", headers[i], widths[i]);
    out += "\n";
    for (size_t r = 0; r < m.rows.size(); ++r) {
        out += fmt::format("{:<{}}", labels[r], label_width);
        for (size_t i = 0; i < texts[r].size(); ++i) out += fmt::format("  {:<{}}", texts[r][i], widths[i]);
        out += "\n";
    }
    out += "columns: arch model/policy; d = deferred writes (xen-pv: queued updates), lb = lost batching, dsb = DSBs; "
           "~ = a cell the case does not declare (run, not judged); n/a = an arch model the case's code is not "
           "written for; FAIL = an expectation not met\n";
    for (const auto& row : m.rows)
        for (size_t i = 0; i < row.cells.size(); ++i)
            if (const auto& cell = row.cells[i]; row.fits[i] && (cell.status == Status::Fail || cell.status == Status::Error))
                out += "\n" + summary_line(cell) + "\n" + render_report(cell);
    for (const auto& e : m.errors) out += "\n" + summary_line(e) + "\n" + render_report(e);
    return out;
}

nlohmann::json matrix_json(const Matrix& m) {
    nlohmann::json columns = nlohmann::json::array();
    for (const auto& c : m.columns) columns.push_back({{"arch", c.arch}, {"policy", c.policy}});
    nlohmann::json j{{"columns", columns}, {"rows", nlohmann::json::array()}, {"errors", nlohmann::json::array()}};
    for (const auto& row : m.rows) {
        nlohmann::json r{{"case", row.case_name}, {"coords", row.coords}, {"cells", nlohmann::json::array()}};
        for (size_t i = 0; i < row.cells.size(); ++i) {
            if (!row.fits[i]) {
                r["cells"].push_back(nullptr);
                continue;
            }
            nlohmann::json cell = to_json(row.cells[i]);
            cell["declared"] = static_cast<bool>(row.declared[i]);
            r["cells"].push_back(std::move(cell));
        }
        j["rows"].push_back(std::move(r));
    }
    for (const auto& e : m.errors) j["errors"].push_back(to_json(e));
    return j;
}

}  // namespace lmemu::runner

#include "runner/merge.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>

#include "runner/report.h"

namespace lmemu::runner {

namespace {

// One shard's JSON, checked for what merging needs.
struct Shard {
    std::string file;
    int index = 0, count = 0;
    CaseSet set;
    nlohmann::json cells;
};

std::optional<Shard> read_shard(const std::string& file, std::string& error) {
    std::ifstream in(file);
    nlohmann::json j;
    try {
        in >> j;
    } catch (const std::exception& e) {
        error = fmt::format("{}: not the JSON of lmemu run --json: {}", file, e.what());
        return std::nullopt;
    }
    try {
        if (!j.is_object() || j.value("lmemu", std::string{}) != "run") {
            error = fmt::format("{}: not the JSON of lmemu run --json (an object with \"lmemu\": \"run\"{})", file,
                                j.is_array() ? "; an array of cells is an older lmemu's, which says no shard" : "");
            return std::nullopt;
        }
        Shard s;
        s.file = file;
        s.index = j.at("shard").at("index").get<int>();
        s.count = j.at("shard").at("count").get<int>();
        s.set = {j.at("case_set").at("id").get<std::string>(), j.at("case_set").at("cells").get<size_t>()};
        s.cells = std::move(j.at("cells"));
        if (!s.cells.is_array() || s.count < 1 || s.index < 1 || s.index > s.count) throw std::runtime_error("bad shard");
        return s;
    } catch (const std::exception& e) {
        error = fmt::format("{}: the JSON of lmemu run --json, but not whole ({})", file, e.what());
        return std::nullopt;
    }
}

// One cell as `lmemu run` prints its line.
std::string cell_line(const nlohmann::json& c, const std::string& status) {
    std::string what = c.value("verdict", std::string{"error"});
    if (c.contains("incident") && c["incident"].is_object() && c["incident"]["hazard"].is_string())
        what += fmt::format(" {} in {}", c["incident"]["hazard"].get<std::string>(),
                            c["incident"].value("function", std::string{"?"}));
    if (c.contains("exploration")) {
        const auto& x = c["exploration"];
        std::vector<std::string> parts;
        for (const auto& o : x.at("outcomes"))
            parts.push_back(fmt::format("{} {}", o.at("schedules").get<uint64_t>(), o.at("summary").get<std::string>()));
        what = fmt::format("explored {} schedule(s) ({}): {}", x.at("schedules").get<uint64_t>(),
                           x.at("how").get<std::string>(), fmt::join(parts, ", "));
    }
    std::string line = fmt::format("{:<5} {} [{}]: {}\n", status, c.value("case", std::string{}),
                                   c.value("cell", std::string{}), what);
    for (const auto& m : c.value("mismatches", std::vector<std::string>{})) line += fmt::format("  {}\n", m);
    return line;
}

}  // namespace

int cmd_merge(const std::vector<std::string>& files, bool json) {
    auto refuse = [](const std::string& why) {
        std::cerr << "lmemu merge: " << why << "\n";
        return 2;
    };
    std::vector<Shard> shards;
    for (const auto& f : files) {
        std::string error;
        auto s = read_shard(f, error);
        if (!s) return refuse(error);
        shards.push_back(std::move(*s));
    }
    const Shard& first = shards.front();
    std::map<int, const Shard*> by_index;
    for (const Shard& s : shards) {
        if (s.set.id != first.set.id || s.count != first.count)
            return refuse(fmt::format("{} is shard {}/{} of a run of {} cell(s) (case set {}), {} shard {}/{} of a run of "
                                      "{} (case set {}): they are not shards of one run",
                                      s.file, s.index, s.count, s.set.cells, s.set.id.substr(0, 12), first.file,
                                      first.index, first.count, first.set.cells, first.set.id.substr(0, 12)));
        if (const auto [it, fresh] = by_index.emplace(s.index, &s); !fresh)
            return refuse(fmt::format("shard {}/{} is given twice: {} and {}", s.index, s.count, it->second->file, s.file));
    }
    std::vector<std::string> missing;
    for (int i = 1; i <= first.count; ++i)
        if (!by_index.count(i)) missing.push_back(fmt::format("{}/{}", i, first.count));
    if (!missing.empty()) {
        std::vector<std::string> given;
        for (const auto& [i, s] : by_index) given.push_back(fmt::format("{}/{} ({})", i, first.count, s->file));
        return refuse(fmt::format("the shards are incomplete: {} missing; given {}", fmt::join(missing, ", "),
                                  fmt::join(given, ", ")));
    }
    std::map<std::pair<std::string, std::string>, std::pair<nlohmann::json, std::string>> cells;
    for (Shard& s : shards)
        for (auto& cell : s.cells) {
            const auto key = std::make_pair(cell.value("case", std::string{}), cell.value("cell", std::string{}));
            if (const auto it = cells.find(key); it != cells.end())
                return refuse(fmt::format("{} [{}] is in both {} and {}: the shards overlap", key.first, key.second,
                                          it->second.second, s.file));
            cells.emplace(key, std::make_pair(std::move(cell), s.file));
        }
    if (cells.size() != first.set.cells)
        return refuse(fmt::format("the shards hold {} cell(s), but their run covers {}", cells.size(), first.set.cells));
    std::vector<CellOutcome> all;
    std::vector<nlohmann::json> merged;
    std::string lines;
    for (auto& [key, value] : cells) {
        const auto& c = value.first;
        const std::string status = c.value("status", std::string{"ERROR"});
        auto& o = all.emplace_back();  // Status::Error unless it names another
        for (const auto st : {Status::Pass, Status::Fail, Status::Ran})
            if (status == to_string(st)) o.status = st;
        try {
            if (!json) lines += cell_line(c, status);
        } catch (const std::exception& e) {
            return refuse(fmt::format("{}: the cell {} [{}] is not whole ({})", value.second, key.first, key.second,
                                      e.what()));
        }
        merged.push_back(std::move(value.first));
    }
    if (json) {
        std::cout << run_json(std::move(merged), 1, 1, first.set).dump(2) << "\n";
    } else {
        std::cout << lines << render_totals(all) << "\n";
    }
    return exit_status(all, false);
}

}  // namespace lmemu::runner

// Reports: the one-line summary per run, the oops-style report of an
// incident, and the same facts as JSON for tools.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/run.h"

namespace lmemu::runner {

std::string summary_line(const CellOutcome& o);
// The full report of what ended the run (hazard, BUG, fault, timeout) and of warnings.
std::string render_report(const CellOutcome& o);
nlohmann::json to_json(const CellOutcome& o);
std::string render_totals(const std::vector<CellOutcome>& all);

}  // namespace lmemu::runner

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
// A run's timeline in the Chrome/Perfetto trace-event format: one track per
// CPU with its tasks, lazy MMU sections and interrupts as spans, page-table
// writes, barriers, TLBIs, CPU hand-overs and the incident as instants.
// Timestamps are translated blocks executed (shown as microseconds).
nlohmann::json perfetto_json(const std::string& label, const std::vector<emu::TimelineEvent>& events);
std::string render_totals(const std::vector<CellOutcome>& all);
// Whether a run passed: every cell met its expectation (or had none); a
// shard may hold no cell at all, a whole run must hold one. 0 or 1.
int exit_status(const std::vector<CellOutcome>& all, bool may_be_empty);
// `lmemu run --json`: the cells (to_json()), with the shard of the run they
// are (1/1 for a whole run) and the set of cells all its shards cover
// (case_set()), so that `lmemu merge` can tell a complete set of shards of
// one run from an incomplete or mixed one.
nlohmann::json run_json(std::vector<nlohmann::json> cells, int shard_index, int shard_count, const CaseSet& set);
// The table a run of several cases ends with, from to_json() of each cell:
// a row per case with its runs, PASS or FAIL, and how many runs gave each
// verdict (a hazard by its name); under a failed case, each run that did not
// meet its expectation, with why.
std::string render_case_table(const std::vector<nlohmann::json>& cells);
// JUnit XML (`lmemu run --junit`) from to_json() of each cell: a testsuite
// per case, a testcase per cell, FAIL a <failure>, ERROR an <error>.
std::string junit_xml(const std::vector<nlohmann::json>& cells);

}  // namespace lmemu::runner

// `lmemu merge A.json B.json ...`: the `lmemu run --json` of the shards of
// one run (--shard I/N) as that run: a line per cell, sorted by case and
// cell, and the totals; with --json, the run's JSON as one process would
// have written it. Refuses, naming the file, what is not such a set: a file
// that is not a run's JSON, shards of different runs, a shard given twice
// or missing, cells in two shards.
#pragma once

#include <string>
#include <vector>

namespace lmemu::runner {

int cmd_merge(const std::vector<std::string>& files, bool json);

}  // namespace lmemu::runner

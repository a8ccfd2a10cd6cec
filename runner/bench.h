// `lmemu bench`: how fast runs and exploration go on the built-in cases (or
// the ones given), what the model costs over Unicorn alone, and how its cost
// per page-table store scales (the scenarios in bench/).
#pragma once

#include <string>
#include <vector>

namespace lmemu::runner {

int cmd_bench(const std::vector<std::string>& paths, int repeat, bool reuse, bool no_model);
// `lmemu bench --compare OTHER`: this build's bench against another build's.
int cmd_compare(const std::string& other, const std::vector<std::string>& paths, int repeat);

}  // namespace lmemu::runner

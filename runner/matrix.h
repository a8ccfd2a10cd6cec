// `lmemu run --matrix`: every case and variant as a row, every arch model
// (that some case is written for) times every nesting policy as a column,
// so a policy is judged on every architecture at a glance. Cells the case
// declares are judged against its expectations; the other columns its code
// fits are run too and shown, unjudged.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/run.h"

namespace lmemu::runner {

struct MatrixRow {
    std::string case_name;
    std::string coords;               // the cell's coordinates other than the policy, or "default"
    std::vector<CellOutcome> cells;   // one per column
    std::vector<bool> declared;       // whether the case declares that column's cell
    std::vector<bool> fits;           // whether the case's code is written for that column's arch model
};

struct MatrixColumn {
    std::string arch, policy;
    std::string label() const { return arch + "/" + policy; }
};

struct Matrix {
    std::vector<MatrixColumn> columns;
    std::vector<MatrixRow> rows;
    std::vector<CellOutcome> errors;   // case files that could not be read
    bool ok() const;                   // no error, no judged cell failed
};

Matrix run_matrix(Runner& runner, const std::vector<std::filesystem::path>& case_files);
std::string render_matrix(const Matrix& m);
nlohmann::json matrix_json(const Matrix& m);

}  // namespace lmemu::runner

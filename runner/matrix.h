// `lmemu run --matrix`: every case and variant as a row, every nesting
// policy as a column, so a policy is judged at a glance. Cells the case
// declares are judged against its expectations; the other policies are run
// too and shown, unjudged.
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
};

struct Matrix {
    std::vector<std::string> columns;  // policy names
    std::vector<MatrixRow> rows;
    std::vector<CellOutcome> errors;   // case files that could not be read
    bool ok() const;                   // no error, no judged cell failed
};

Matrix run_matrix(Runner& runner, const std::vector<std::filesystem::path>& case_files);
std::string render_matrix(const Matrix& m);
nlohmann::json matrix_json(const Matrix& m);

}  // namespace lmemu::runner

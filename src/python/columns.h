// Whole columns for pandas: a scan of flow files into NumPy arrays (read), the
// aggregator of weir stats/uniq, the time series of weir count, and repository
// file selection. Column data crosses into Python as NumPy arrays that own C++
// vectors (no copy per value); addresses and names cross as categorical codes
// plus their distinct values, so 10 M rows do not become 20 M Python strings.
#pragma once

#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "site/file_selection.h"

namespace weir::python {

namespace py = pybind11;

// Every value of the named fields of the records that pass expr, in file order:
// {name: (kind, array[, extra])}, kind one of uint, time, duration, float, category.
py::dict ReadColumns(const std::vector<std::string>& paths, const std::vector<std::string>& names,
                     const std::string& expr, const std::string& site_config,
                     const std::string& root, int threads);
// Groups by keys with values (rwstats/rwuniq --values text), key and value columns.
py::dict Aggregate(const std::vector<std::string>& paths, const std::vector<std::string>& keys,
                   const std::string& values, const std::string& expr,
                   const std::string& site_config, const std::string& root, int64_t bin_ms,
                   int threads);
// Records, packets and bytes per bin (rwcount) with a load scheme.
py::dict Count(const std::vector<std::string>& paths, int64_t bin_ms, const std::string& scheme,
               const std::string& expr, const std::string& site_config, const std::string& root,
               int threads);
// The repository's existing files for a selection.
std::vector<std::string> SelectRepositoryFiles(const std::string& root,
                                               const std::string& site_config,
                                               const FileSelection& selection);

}  // namespace weir::python

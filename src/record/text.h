// Text in and out of flow records: one formatter and one parser per field, and a
// RecordPrinter that lays fields out as SiLK's columns, CSV (RFC 4180) or JSON Lines.
// Every tool prints records through RecordPrinter, so the layouts stay identical.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "record/fields.h"
#include "record/flow_record.h"
#include "record/names.h"

namespace weir {

class JsonRecordWriter;

enum class IpFormat { kCanonical, kZeroPadded, kDecimal, kHexadecimal, kForceIpv6 };
enum class OutputFormat { kText, kCsv, kJson };

Result<IpFormat> ParseIpFormat(std::string_view text);
Result<TimeFormat> ParseTimeFormat(std::string_view text);
Result<OutputFormat> ParseOutputFormat(std::string_view text);

struct FormatOptions {
  TimeFormat time_format = TimeFormat::kSilk;
  IpFormat ip_format = IpFormat::kCanonical;
  bool integer_sensors = false;          // sensor id instead of its name
  bool integer_tcp_flags = false;        // flags as a number
  bool padded_flags = true;              // "FS PA   " (fixed positions) instead of "FSPA"
  const FlowtypeNames* names = nullptr;  // not owned; may be null
};

// Appends a field's value as text, without padding.
void AppendFieldValue(std::string& out, const FlowRecord& r, FieldId id,
                      const FormatOptions& options);
void AppendFieldValue(std::string& out, const FlowRecord& r, const FieldInfo& field,
                      const FormatOptions& options);
// Appends TCP flags as letters FSRPAUEC, in fixed positions when padded.
// An address as the ip format prints it.
void AppendIpAddress(std::string& out, const IpAddress& a, IpFormat format);
void AppendTcpFlags(std::string& out, uint8_t flags, bool padded);
// Parses TCP flags written as letters (any order and case) or as a number.
Result<uint8_t> ParseTcpFlags(std::string_view text);

// Parses text fields into a record. Fields that depend on others (etime needs stime;
// class and type name one flowtype together) are resolved by Finish().
class RecordParser {
 public:
  explicit RecordParser(const FlowtypeNames* names) : names_(names) {}
  Status Parse(FieldId id, std::string_view text, FlowRecord& r);
  Status Finish(FlowRecord& r);

 private:
  const FlowtypeNames* names_;
  std::string class_name_, type_name_;
  bool have_etime_ = false;
  int64_t etime_ms_ = 0;
};

// How rows of cells are laid out: SiLK's padded columns, CSV or JSON Lines.
struct LayoutOptions {
  OutputFormat format = OutputFormat::kText;
  bool titles = true;
  bool columns = true;          // text: pad to column width
  char separator = '|';         // text: column separator
  bool final_delimiter = true;  // text: separator after the last column
};

// A table of named columns, for records (RecordPrinter) and for computed rows
// (stats, uniq, count). Cells are appended one by one; EndRow() closes a row.
class TableLayout {
 public:
  struct Column {
    std::string title;  // text title
    std::string name;   // CSV header and JSON key
    int width = 0;
    bool numeric = false;  // JSON: unquoted
  };
  TableLayout() = default;
  TableLayout(std::vector<Column> columns, LayoutOptions options)
      : columns_(std::move(columns)), options_(options) {}

  void AppendHeader(std::string& out) const;
  void AppendCell(std::string& out, std::string_view cell, size_t column) const;
  void EndRow(std::string& out) const;
  // A whole row at once: cell i is cells[ends[i-1] .. ends[i]) (ends[-1] = 0). The
  // same text as AppendCell for each and EndRow, with one append per row.
  void AppendRow(std::string& out, std::string_view cells, std::span<const uint32_t> ends) const;
  const LayoutOptions& options() const { return options_; }
  size_t size() const { return columns_.size(); }

 private:
  std::vector<Column> columns_;
  LayoutOptions options_;
  mutable std::string line_;  // AppendRow's working row
};

class RecordPrinter {
 public:
  struct Options : LayoutOptions {
    FormatOptions value;
  };

  RecordPrinter(std::vector<FieldId> fields, Options options);

  // Appends the title line (nothing for JSON or when titles are off).
  void AppendHeader(std::string& out) const;
  void AppendRecord(std::string& out, const FlowRecord& r) const;
  const std::vector<FieldId>& fields() const { return fields_; }
  // The record columns and value options, for tables that extend them with
  // computed columns (stats, uniq).
  std::vector<TableLayout::Column> LayoutColumns() const;
  const FormatOptions& value_options() const { return values_; }

 private:
  std::vector<FieldId> fields_;
  std::vector<const FieldInfo*> infos_;
  TableLayout layout_;
  std::shared_ptr<JsonRecordWriter> json_;  // JSON output goes through the one serializer
  Options options_;
  FormatOptions values_;  // options_.value as used per record
  // A time in the SiLK or ISO format: the text up to the seconds is kept for the
  // last second seen (records come in time order, so most times reuse it).
  void AppendTimeCached(std::string& out, int64_t ms) const;

  mutable std::string cell_;  // a record's cells, one after another
  mutable std::vector<uint32_t> ends_;
  mutable int64_t cached_second_ = INT64_MIN;
  mutable std::string cached_time_;  // "YYYY/MM/DDTHH:MM:SS" of cached_second_
};

// Appends s as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, std::string_view s);
// Appends `"key":` to a JSON object being written, after a comma when a member
// came before (out ends in '{' or '[' at the start of one).
void AppendJsonKey(std::string& out, std::string_view key);

}  // namespace weir

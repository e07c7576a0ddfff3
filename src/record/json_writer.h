// JsonRecordWriter: flow records as JSON Lines, fast. The one JSON serializer of
// weir: `weir cut --output-format=json`, `weir export` and the web UI's downloads
// all write through it, so a record reads the same everywhere.
//
// Three layouts (doc/export.md shows each):
//   kFields  one flat object keyed by the registry's canonical field names;
//   kEcs     Elastic Common Schema (source.*, destination.*, network.*, event.*,
//            observer.*), weir's own fields under "weir";
//   kEve     shaped like Suricata's EVE "netflow" event (src_ip, dest_ip, proto,
//            netflow.{pkts,bytes,start,end,age}, tcp.{tcp_flags,syn,...}).
// Times are RFC 3339 UTC with milliseconds (kFields: as FormatOptions says).
// Community ID v1 is added when asked for. Values are escaped for JSON; output is
// always valid UTF-8 when the names in silk.conf are.
//
// One writer per thread (it keeps formatting caches); the FlowtypeNames it is
// given must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/community_id.h"
#include "record/fields.h"
#include "record/flow_record.h"
#include "record/text.h"

namespace weir {

enum class JsonSchema { kFields, kEcs, kEve };

Result<JsonSchema> ParseJsonSchema(std::string_view text);

struct JsonOptions {
  JsonSchema schema = JsonSchema::kFields;
  std::vector<FieldId> fields;  // kFields: the keys, in order
  FormatOptions value;          // names, time and IP formats (kFields)
  bool community_id = false;    // add "community_id" (ECS: network.community_id)
  uint16_t community_id_seed = 0;
  bool flow_id = false;  // add the caller's flow id ("flow_id"; ECS: weir.flow_id)
};

class JsonRecordWriter {
 public:
  explicit JsonRecordWriter(JsonOptions options);

  // Appends one object and a newline. flow_id is written when options.flow_id.
  void Append(std::string& out, const FlowRecord& r, uint64_t flow_id = 0);
  // The same into memory the caller provides: at most max_length() bytes from p;
  // returns the end of what was written.
  char* Write(char* p, const FlowRecord& r, uint64_t flow_id = 0);
  size_t max_length() const { return max_length_; }
  // Optional, before writing several records: computes what is cheaper to compute
  // for many records at once, for Write() of any of these records (by address,
  // unchanged since) until the next Prepare: their Community IDs, and the text of
  // the keys whose value is the same in all of them (a file's sensor and flowtype,
  // an exporter, the port a filter asked for), written once and then copied.
  // Prepare({}) forgets them.
  void Prepare(std::span<const FlowRecord> records);
  const JsonOptions& options() const { return options_; }

 private:
  char* WriteFields(char* p, const FlowRecord& r);
  struct Key;
  // One key's value (kFields), without the key.
  char* WriteValue(char* p, const Key& key, const FlowRecord& r);
  // Every bit that differs between records[0] and another record, member by
  // member (padding included, which no key reads).
  using RecordDiff = std::array<uint64_t, sizeof(FlowRecord) / 8>;
  static RecordDiff Differences(std::span<const FlowRecord> records);
  // Whether key's value is the same in all records whose Differences are diff
  // (false when it is not read from members alone).
  static bool SameInAll(const Key& key, const RecordDiff& diff);
  // program_ for the prepared records: runs of keys SameInAll become literals.
  void CompileConstants(std::span<const FlowRecord> records);
  char* WriteEcs(char* p, const FlowRecord& r);
  char* WriteEve(char* p, const FlowRecord& r);
  // A time as a quoted RFC 3339 string with milliseconds and "Z".
  char* WriteIsoTime(char* p, int64_t ms);
  // A field's value through the generic formatter (formats without a fast path).
  char* WriteGeneric(char* p, const FlowRecord& r, const FieldInfo& info, bool numeric);
  char* WriteSensor(char* p, uint16_t sensor);
  // "community_id":"1:..." (the key as every layout spells it).
  char* PutCommunityId(char* p, const FlowRecord& r) const;
  // The flowtype's class, type or "class/type" name, quoted (or its number).
  char* WriteFlowtypeName(char* p, uint8_t flowtype, FieldType part);

  // How a key's value is written: decided once per key from its field and the
  // options, so that writing a record is one dispatch and one load per key.
  enum class Value : uint8_t {
    kU8,  // an unsigned member of 1, 2, 4 or 8 bytes at offset
    kU16,
    kU32,
    kU64,
    kIp,             // an IpAddress member at offset, canonical text
    kStartIso,       // stime, RFC 3339
    kEndIso,         // etime, RFC 3339
    kDuration,       // seconds with milliseconds
    kFlagLetters,    // a TCP flags member at offset, FSRPAUEC
    kFlagNumber,     // the same as a quoted number
    kAttributes,     // TCFS
    kSensor,         // by name
    kFlowtypeName,   // class, type or class/type (info->type says which)
    kUnsigned,       // a derived number (GetUnsigned)
    kIcmpPart,       // the same, null unless the record is ICMP
    kGenericNumber,  // through the generic formatter, unquoted
    kGenericText,    // through the generic formatter, quoted
    kLiteral,        // keys and values the same in every prepared record: literals_
  };
  struct Key {
    std::array<char, 64> prefix;  // ,"name": padded, so it copies in one fixed move
    uint16_t length;              // of prefix; kLiteral: of the text in literals_
    Value value;
    uint16_t offset;  // of the FlowRecord member the value is read from; kLiteral: in literals_
    const FieldInfo* info;
  };
  static Key MakeKey(const FieldInfo& info, const FormatOptions& o, bool first);
  JsonOptions options_;
  std::vector<Key> keys_;
  // What WriteFields runs through: keys_, or for prepared records keys_ with the
  // runs of keys whose text is the same in all of them as one kLiteral each.
  std::vector<Key> program_;
  std::string literals_;  // padded by 32 bytes: literals copy in fixed moves
  size_t max_length_ = 0;
  std::vector<char> line_;
  std::string scratch_;
  // Prepare()'s records and their Community IDs (kCommunityIdLength bytes each).
  std::span<const FlowRecord> prepared_;
  std::vector<CommunityIdMessage> messages_;
  std::vector<char> community_ids_;
  uint64_t flow_id_ = 0;
  // The hour (in seconds) whose text is in cached_hour_text_: a record's start and
  // end, and the records of an hourly file, mostly share it.
  bool hour_cached_ = false;
  int64_t cached_hour_ = 0;
  std::array<char, 14> cached_hour_text_{};  // "YYYY-MM-DDTHH:"
  // Quoted, escaped names, built on first use: sensor by id, flowtype parts by
  // id; padded to 32 bytes or more (the text's length is kept beside it).
  struct Name {
    std::string padded;
    size_t length = 0;
  };
  std::vector<Name> sensor_names_;
  std::array<std::array<Name, 3>, 256> flowtype_names_;
};

}  // namespace weir

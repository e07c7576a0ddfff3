// Predicate: a compiled record filter, evaluated a column at a time.
//
// Built once from rwfilter's switches (filter_options.h) or from an expression
// (expression.h), then applied to every block: MayMatch() uses the block's zone
// maps to skip blocks no record of which can pass, and Select() evaluates the tree
// over the decoded columns into a byte mask, leaf by leaf, in tight loops.
// Immutable once built; const methods are safe from many threads (each thread
// passes its own Scratch).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "net/ip_set.h"
#include "net/ip_wildcard.h"
#include "record/fields.h"
#include "record/flow_record.h"
#include "store/block_format.h"
#include "store/flow_batch.h"

namespace weir {

class Predicate {
 public:
  // A closed range of a field's values. Time fields compare as signed
  // milliseconds stored in the uint64 bits.
  using Range = UintRange;
  // A TCP-flags or attributes test: (value & mask) == high.
  struct FlagTest {
    uint8_t high, mask;
  };

  // Matches every record.
  Predicate();
  static Predicate All() { return Predicate(); }
  static Predicate Nothing();
  static Predicate And(std::vector<Predicate> children);
  static Predicate Or(std::vector<Predicate> children);
  static Predicate Not(Predicate child);
  // The field (stored or derived, not an IP field) lies in one of the ranges.
  static Predicate InRanges(FieldId field, std::vector<Range> ranges);
  static Predicate InSet(FieldId field, std::shared_ptr<const IpSet> set);
  static Predicate MatchesWildcard(FieldId field, IpWildcard wildcard);
  // Any of the tests holds for the flags field (kFlags, kInitialFlags,
  // kSessionFlags or kAttributes).
  static Predicate FlagsMatch(FieldId field, std::vector<FlagTest> tests);

  bool is_all() const;
  // The stored columns Select() reads.
  ColumnSet columns() const;
  // What the block's zone maps say about its records.
  enum class Coverage { kNone, kSome, kAll };
  Coverage Classify(const BlockHeader& block) const;
  // False when the block's zone maps show that no record can pass.
  bool MayMatch(const BlockHeader& block) const { return Classify(block) != Coverage::kNone; }

  // Per-thread working memory for Select().
  struct Scratch {
    std::vector<std::vector<uint8_t>> masks;
  };
  // Puts the indexes of the rows of batch that pass into rows. With the batch's
  // block header, subtrees its zone maps settle are not evaluated.
  void Select(const FlowBatch& batch, Scratch& scratch, std::vector<uint32_t>& rows,
              const BlockHeader* block = nullptr) const;
  // Row at a time (tests, small inputs).
  bool Matches(const FlowRecord& r) const;

  // A readable form for tests and --dry-run: "and(protocol in 6, dport in 443)".
  std::string ToString() const;

  struct Node;  // the tree, private to predicate.cc
  const Node& node() const { return *node_; }

 private:
  explicit Predicate(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

}  // namespace weir

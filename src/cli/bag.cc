// weir bag: counters per key (rwbag, rwbagcat, rwbagtool).
#include "cli/grouping.h"
#include "store/bag_file.h"

namespace weir::cli {

namespace {

constexpr const char* kUsage =
    "Usage: weir bag ACTION [switches]\n\n"
    "Actions:\n"
    "  build      count records, packets or bytes per key of flow records (rwbag):\n"
    "             --key=FIELD --counter=records|packets|bytes --output-path=F; takes\n"
    "             weir filter's inputs and switches\n"
    "  cat        print bags as key|counter (rwbagcat)\n"
    "  add, subtract   combine bags with the same key into --output-path (rwbagtool)\n"
    "  threshold  keep keys whose counter is within --min-counter/--max-counter\n\n"
    "Each action takes --help. Bag files: doc/formats/bag.md.\n";

int Build(int argc, char** argv) {
  CLI::App app("Count records, packets or bytes per key of flow records (like rwbag).",
               "bag build");
  std::string key, counter = "records", output_path;
  QueryOptions query;
  double memory_mib = 0;
  app.add_option("--key", key, "the key field: sip, dip, dport, protocol, sensor ...")
      ->required()
      ->group("Bag");
  app.add_option("--counter", counter, "records (default), packets or bytes")->group("Bag");
  app.add_option("--output-path", output_path, "the bag file to write (- for stdout)")
      ->required()
      ->group("Bag");
  AddMemoryLimitOption(app, memory_mib);
  query.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  auto spec = ParseAggregateSpec(key, counter);
  if (!spec.ok()) return PrintError("bag", spec.status().message()), kExitUsage;
  if (spec->keys.size() != 1 || spec->values.size() != 1 ||
      spec->values[0].kind > ValueKind::kBytes)
    return PrintError("bag",
                      "a bag has one --key field and a --counter of records, packets or bytes"),
           kExitUsage;
  int rc = kExitOk;
  auto prepared = query.Prepare("bag", &rc);
  if (!prepared) return rc;
  ScanStats stats;
  auto agg = Aggregate("bag", *prepared, *spec, &stats, static_cast<size_t>(memory_mib * 1048576));
  if (!agg) return kExitFailure;
  Bag bag;
  bag.key = spec->keys[0];
  bag.counter = ToLower(spec->values[0].title);
  bool is_ip = GetField(bag.key).type == FieldType::kIp;
  bag.entries.reserve(agg->groups());
  for (size_t g = 0; g < agg->groups(); ++g) {
    FlowRecord r = agg->KeyRecord(g);
    Bag::Entry e;
    if (is_ip) {
      IpAddress a = GetIp(r, bag.key);
      e.high = a.high64();
      e.low = a.low64();
    } else {
      e.low = GetUnsigned(r, bag.key);
    }
    e.counter = agg->Value(g, 0);
    bag.entries.push_back(e);
  }
  bag.Normalize();
  if (Status s = SaveBagFile(bag, output_path); !s.ok())
    return PrintError("bag", s.message()), kExitFailure;
  return stats.errors ? kExitFailure : kExitOk;
}

int Cat(int argc, char** argv) {
  CLI::App app("Print bags as key and counter columns, in key order (like rwbagcat).", "bag cat");
  std::vector<std::string> files;
  TableOptions table;
  ValueOptions values;
  app.add_option("files", files, "bag files (default: stdin)");
  values.Add(app);
  table.Add(app);
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  if (files.empty()) files.push_back("-");
  auto po = values.Resolve(app, table, nullptr);
  if (!po.ok()) return PrintError("bag", po.status().message()), kExitUsage;
  Output out;
  for (const auto& f : files) {
    auto bag = LoadBagFile(f);
    if (!bag.ok()) return PrintError("bag", bag.status().message()), kExitFailure;
    RecordPrinter keys({bag->key}, *po);
    auto columns = keys.LayoutColumns();
    columns.push_back({"counter", "counter", 20, true});
    TableLayout layout(columns, *po);
    layout.AppendHeader(out.buffer());
    bool is_ip = GetField(bag->key).type == FieldType::kIp;
    std::string cell;
    for (const auto& e : bag->entries) {
      FlowRecord r;
      if (is_ip)
        SetIp(r, bag->key, IpAddress::FromHalves(e.high, e.low));
      else
        SetUnsigned(r, bag->key, e.low);
      cell.clear();
      AppendFieldValue(cell, r, bag->key, keys.value_options());
      layout.AppendCell(out.buffer(), cell, 0);
      layout.AppendCell(out.buffer(), std::to_string(e.counter), 1);
      layout.EndRow(out.buffer());
      if (Status s = out.MaybeFlush(); !s.ok()) return PrintError("bag", s.message()), kExitFailure;
    }
  }
  if (Status s = out.Flush(); !s.ok()) return PrintError("bag", s.message()), kExitFailure;
  return kExitOk;
}

int Tool(const std::string& action, int argc, char** argv) {
  CLI::App app("Combine or threshold bags (like rwbagtool --" + action + ").", "bag " + action);
  std::string output_path;
  std::vector<std::string> files;
  uint64_t min_counter = 0, max_counter = UINT64_MAX;
  app.add_option("--output-path", output_path, "the bag file to write (- for stdout)")->required();
  app.add_option("files", files, "bag files; subtract: the first minus the rest")->required();
  if (action == "threshold") {
    app.add_option("--min-counter", min_counter, "keep keys with at least this counter");
    app.add_option("--max-counter", max_counter, "keep keys with at most this counter");
  }
  if (int rc = Parse(app, argc, argv); rc >= 0) return rc;
  Bag result;
  for (size_t i = 0; i < files.size(); ++i) {
    auto bag = LoadBagFile(files[i]);
    if (!bag.ok()) return PrintError("bag", bag.status().message()), kExitFailure;
    if (i == 0) {
      result = std::move(*bag);
      continue;
    }
    if (bag->key != result.key)
      return PrintError("bag", files[i] + ": its key (" + std::string(GetField(bag->key).name) +
                                   ") differs from " + files[0] + "'s (" +
                                   std::string(GetField(result.key).name) + ")"),
             kExitUsage;
    if (action == "add") {
      result.entries.insert(result.entries.end(), bag->entries.begin(), bag->entries.end());
      result.Normalize();
    } else if (action == "subtract") {
      // Counters go down by the other bag's, never below zero; zero keys vanish.
      size_t j = 0;
      for (auto& e : result.entries) {
        while (j < bag->entries.size() && bag->entries[j] < e) ++j;
        if (j < bag->entries.size() && !(e < bag->entries[j]))
          e.counter = e.counter > bag->entries[j].counter ? e.counter - bag->entries[j].counter : 0;
      }
      std::erase_if(result.entries, [](const Bag::Entry& e) { return e.counter == 0; });
    } else {
      return PrintError("bag", "threshold takes one bag"), kExitUsage;
    }
  }
  if (action == "threshold")
    std::erase_if(result.entries, [&](const Bag::Entry& e) {
      return e.counter < min_counter || e.counter > max_counter;
    });
  if (Status s = SaveBagFile(result, output_path); !s.ok())
    return PrintError("bag", s.message()), kExitFailure;
  return kExitOk;
}

}  // namespace

int RunBag(int argc, char** argv) {
  std::string action = argc > 1 ? argv[1] : "";
  if (action == "--help" || action == "-h" || action == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (action == "build") return Build(argc - 1, argv + 1);
  if (action == "cat") return Cat(argc - 1, argv + 1);
  if (action == "add" || action == "subtract" || action == "threshold")
    return Tool(action, argc - 1, argv + 1);
  std::fputs(kUsage, stderr);
  if (!action.empty()) PrintError("bag", "unknown action '" + action + "'");
  return kExitUsage;
}

}  // namespace weir::cli

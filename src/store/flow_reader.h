// FlowFileReader: reads a weir flow file or stream block by block.
//
// Works on seekable files and on pipes alike (it only reads forward). A damaged
// block is reported through the error handler, with the file name, block number
// and offset, and skipped: the reader resynchronises on the next block magic, so
// every intact block is still read. A torn tail (a block cut short) is reported
// the same way. Not thread-safe; one reader per thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/file.h"
#include "base/status.h"
#include "store/block_codec.h"
#include "store/block_format.h"
#include "store/flow_batch.h"

namespace weir {

// A verified block not yet decoded, for decoding on another thread.
struct RawBlock {
  BlockHeader header;
  ScratchBytes payload;  // not zeroed: a sparse read fills only the wanted columns
  std::string where;     // "FILE: block N at offset X", for error messages
  uint64_t offset = 0;   // the block's offset in its file (or stream)
  bool complete = true;  // false: only the reader's columns were read (others are garbage)
  uint32_t input = 0;    // Scan: the index of the input the block came from
};

// Decodes a RawBlock; errors carry raw.where.
Status DecodeRawBlock(const RawBlock& raw, ColumnSet columns, BlockDecoder& decoder,
                      FlowBatch& batch);

class FlowFileReader {
 public:
  using ErrorHandler = std::function<void(const Status&)>;

  // Opens path ("-" or "stdin" reads standard input) and reads its header.
  static Result<std::unique_ptr<FlowFileReader>> Open(const std::string& path);
  // Reads from an already open descriptor; takes ownership when own is true.
  static Result<std::unique_ptr<FlowFileReader>> FromFd(int fd, std::string name, bool own);

  const FileHeader& header() const { return header_; }
  const std::string& name() const { return name_; }

  // Columns to decode (default: all). ColumnSet::None() reads headers only.
  void SetColumns(ColumnSet columns) { columns_ = columns; }
  // Always read whole payloads (NextRaw's blocks stay complete, for copying),
  // even when only some columns are decoded.
  void SetWholeBlocks(bool whole) { whole_blocks_ = whole; }
  // Called for each damaged block; default: remember the errors (see errors()).
  void SetErrorHandler(ErrorHandler handler) { on_error_ = std::move(handler); }
  // For readers that follow a file while it is written: a block cut short at the
  // end of the file ends reading quietly (torn_tail() is set) instead of being
  // reported, so that it can be read again once its writer has finished it.
  void SetStopAtTornTail(bool stop) { stop_at_torn_tail_ = stop; }
  bool torn_tail() const { return torn_tail_; }
  // Moves forward to offset, which must be a block boundary (an earlier
  // end_of_valid_data()); regular files only.
  Status SkipTo(uint64_t offset);
  // Blocks for which the filter returns false are skipped without decoding.
  void SetBlockFilter(std::function<bool(const BlockHeader&)> filter) {
    block_filter_ = std::move(filter);
  }

  // Reads the next intact block into batch. Returns false at the end of input, or
  // after an I/O error (see errors()).
  bool Next(FlowBatch& batch);
  // Like Next, but hands over the checksum-verified block undecoded (the block
  // filter still applies), so that decoding can run elsewhere.
  bool NextRaw(RawBlock& raw);

  const BlockHeader& block() const { return block_; }
  size_t blocks_read() const { return blocks_read_; }
  size_t blocks_skipped() const { return blocks_skipped_; }
  size_t blocks_damaged() const { return blocks_damaged_; }
  // Offset just past the last intact block (where an appender may continue).
  uint64_t end_of_valid_data() const { return valid_end_; }
  // Offset of the next byte to read: past damaged regions too.
  uint64_t consumed() const { return offset_; }
  const std::vector<Status>& errors() const { return errors_; }
  bool had_errors() const { return error_count_ > 0; }

 private:
  FlowFileReader(int fd, std::string name, bool own);
  Status ReadHeader();
  // Makes at least n bytes available from the current position; false at EOF.
  bool Fill(size_t n);
  void Consume(size_t n);
  void Report(Status s);
  // Advances to the next intact block that passes the block filter. Usually the
  // block stays in the buffer (block_, payload) for the caller to decode and
  // consume. When only some columns are wanted and the blocks checksum each
  // column, just those columns are copied into *sparse at their payload offsets
  // (read at their offsets from a seekable file, from the buffer on a stream) and
  // verified, the payload is skipped, and *used_sparse is set (so too when
  // ReadPayloadInto read the whole payload into *sparse).
  bool NextVerified(std::span<const std::byte>& payload, std::string& where, ScratchBytes* sparse,
                    bool* used_sparse);
  // The selective read above; false when it does not apply.
  bool ReadColumnsOnly(const std::string& where, ScratchBytes& sparse, bool* damaged);
  // When most of the block is wanted, a seekable file's whole payload is read
  // straight into out instead (what the buffer holds, then the rest from the file:
  // no copy through the buffer) and verified; false, with nothing consumed, when
  // it does not apply, comes short or fails its checksum: the buffered read then
  // reports and resynchronises as ever.
  bool ReadPayloadInto(ScratchBytes& out);
  // True when the file (seekable) holds bytes up to offset end.
  bool FileHolds(uint64_t end);
  void Skip(uint64_t n);
  // Skips forward to the next block (or file) magic after a damaged region.
  void Resync();

  int fd_;
  FileDescriptor owned_;  // set when the reader owns fd_
  std::string name_;
  FileHeader header_;
  ColumnSet columns_ = ColumnSet::All();
  ErrorHandler on_error_;
  std::function<bool(const BlockHeader&)> block_filter_;
  BlockDecoder decoder_;
  BlockHeader block_;

  bool sparse_whole_ = false;  // NextVerified's *sparse holds the whole payload
  ScratchBytes buffer_;        // grows without zeroing: read() fills what is used
  size_t begin_ = 0, end_ = 0;
  uint64_t offset_ = 0;  // file offset of buffer_[begin_]
  bool eof_ = false;
  bool io_failed_ = false;
  bool seekable_ = false;  // a regular file: columns can be read by offset
  bool whole_blocks_ = false;
  bool stop_at_torn_tail_ = false;
  bool torn_tail_ = false;
  uint64_t block_offset_ = 0;  // offset of the block NextVerified found last
  uint64_t base_offset_ = 0;   // file position of offset_ 0
  // A seekable file's size when last asked (files being appended to only grow; one
  // that shrank is caught by the short read).
  uint64_t file_size_ = 0;
  ScratchBytes sparse_;

  size_t block_index_ = 0;
  size_t blocks_read_ = 0, blocks_skipped_ = 0, blocks_damaged_ = 0;
  uint64_t valid_end_ = 0;
  std::vector<Status> errors_;
  size_t error_count_ = 0;
};

}  // namespace weir

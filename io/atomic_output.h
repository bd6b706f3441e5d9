// Writing an output file so that a failed run never leaves a half-written one behind:
// write to a temporary name in the same directory, then rename it over the final path.
//
//   AtomicOutput out(path);                        // throws now if `path` cannot be written
//   { H5File f = H5File::create(out.temp_path()); ...write...; }   // closed before commit
//   out.commit();                                  // atomic rename on POSIX
//
// If commit() is never reached (an exception), the destructor removes the temporary file.
#pragma once

#include <string>

namespace sbi::io {

class AtomicOutput {
 public:
  // Checks that the directory exists and is writable by creating the (empty) temporary file.
  // Throws core::Error("cannot write <path>: <reason>").
  explicit AtomicOutput(std::string path);
  ~AtomicOutput();
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  // The final path.
  const std::string& path() const { return path_; }
  // "<path>.tmp.<pid>.<random>", in the same directory (so the rename stays on one filesystem).
  const std::string& temp_path() const { return temp_path_; }
  bool committed() const { return committed_; }

  // Flushes the temporary file to disk and renames it over path(). Call once, after every
  // handle on temp_path() is closed.
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
};

}  // namespace sbi::io

// Every file a command writes goes through one OutputFiles: nothing is lost, ever.
//
//   io::OutputFiles out({data_path});          // the command's inputs, never to be overwritten
//   out.add(model_path);                       // checked now, before the long work
//   ... train ...
//   out.write_hdf5(model_path, [&](io::H5File& f) { write_model(f, ...); });
//   out.write_text(svg_path, svg);             // several outputs: committed all or nothing
//   out.commit();
//
// The rules, each enforced here and nowhere else:
// - Writes go to a temporary file beside the target ("<path>.tmp.<pid>.<random>"); every
//   HDF5 close, stdio write, flush and fsync is checked. A temporary is renamed over its
//   target only after the whole write succeeded and was verified (an HDF5 file must reopen;
//   a text file must have the size written). A full disk or a quota therefore leaves the
//   previous file byte-for-byte as it was.
// - An output that is the same file as an input (same device and inode, so "./a.h5",
//   "a.h5" and a symbolic link to it are all caught) is refused, as is an output path given
//   twice, and any existing target that is not a regular file (/dev/null, a FIFO, a
//   directory). A symbolic link to a regular file is followed: its target is replaced.
// - commit() writes nothing new: it renames the complete temporaries in order, with
//   SIGINT/SIGTERM/SIGHUP held back until it is done. Should a rename fail, the targets already replaced
//   get their previous contents back (from hard-link backups taken just before), so a
//   multi-file output (GetDist chains, a report and its figures) lands whole or not at all.
// - Without commit() (an exception, an early return) the destructor removes every
//   temporary; on SIGINT, SIGTERM or SIGHUP a handler removes them before the process dies
//   (installed only where the signal has its default action, so a host program's handlers
//   are kept), whichever thread takes the signal: the handler waits for the other threads'
//   creations, releases and commits in progress (io/detail/temporary_files.h). SIGKILL
//   cannot be caught: it may leave a "*.tmp.*" file, never a bad output.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace sbi::io {

class H5File;

// Where write_hdf5 lets HDF5 build a file.
enum class HdfStaging {
  // In the temporary beside the target: memory stays flat, whatever the file's size.
  kOnDisk,
  // In memory, then written by plain checked writes. For small files written again and
  // again by one process (training checkpoints): a write that fails inside HDF5 (full disk)
  // leaves that file's metadata cache unreleasable (HDF5 1.10), about 0.5 MiB a failure;
  // failing plain writes cost nothing.
  kInMemory,
};

class OutputFiles {
 public:
  // `inputs`: every file the command reads. Paths that do not exist are ignored.
  explicit OutputFiles(std::vector<std::string> inputs = {});
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  // Reserves `path` as an output and returns the temporary path to write it to. Creating the
  // temporary is the writability test (permissions, read-only mounts, quotas). Throws
  // core::Error("cannot write <path>: <reason>"). Adding a path twice returns the same
  // temporary.
  const std::string& add(const std::string& path);

  // The temporary of an added path (throws if `path` was not added).
  const std::string& temp_path(const std::string& path) const;

  // Creates the HDF5 temporary of `path` (adding it if needed), lets `fill` write into it,
  // closes it with every error checked, and verifies that it reopens.
  // `staging`: where HDF5 builds the file before it is checked and written (see HdfStaging).
  void write_hdf5(const std::string& path, const std::function<void(H5File&)>& fill,
                  HdfStaging staging = HdfStaging::kOnDisk);

  // Writes `content` to the temporary of `path` (adding it if needed) with every write,
  // flush and close checked.
  void write_text(const std::string& path, const std::string& content);

  // For a temporary written by someone else (an external program): checks that it is a
  // non-empty regular file. write_hdf5 and write_text verify their own.
  void mark_written(const std::string& path);

  // Gives up an optional output (a PNG that could not be rendered): removes its temporary.
  void drop(const std::string& path);

  // Fsyncs every temporary and renames all of them over their targets (see above). Throws,
  // leaving every target as it was, if any output was added but never written.
  void commit();

  bool committed() const { return committed_; }
  // The final paths, in the order they were added.
  std::vector<std::string> paths() const;

 private:
  struct Output;
  Output& find(const std::string& path);
  const Output* find_if(const std::string& path) const;

  std::vector<std::string> inputs_;
  std::vector<std::unique_ptr<Output>> outputs_;
  bool committed_ = false;
};

// Writes one HDF5 file with the rules above: the usual call of a library function that
// saves one file (save_model, write_posterior_file). `inputs` as for OutputFiles.
void write_hdf5_file(const std::string& path, const std::function<void(H5File&)>& fill,
                     const std::vector<std::string>& inputs = {},
                     HdfStaging staging = HdfStaging::kOnDisk);

// Writes one text file with the rules above.
void write_text_file(const std::string& path, const std::string& content,
                     const std::vector<std::string>& inputs = {});

}  // namespace sbi::io

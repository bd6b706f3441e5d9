#include "io/output_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <sstream>

#include "core/error.h"
#include "io/detail/temporary_files.h"
#include "io/h5_file.h"

namespace sbi::io {

namespace fs = std::filesystem;

struct OutputFiles::Output {
  std::string path;        // as the caller gave it
  std::string target;      // what is replaced: `path`, or the file a symbolic link names
  std::string temp;        // the temporary beside the target
  int slot = -1;           // in the signal handler's list
  bool written = false;
};

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
  throw core::Error("cannot write " + path + ": " + reason);
}

std::string errno_text(int error) { return std::strerror(error); }

std::string random_suffix() {
  std::random_device device;
  std::ostringstream out;
  out << std::hex << device() << device();
  return out.str();
}

const char* file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a named pipe";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

bool same_file(const struct stat& a, const struct stat& b) {
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

// `path` itself, or the file its chain of symbolic links ends at (which must exist).
std::string resolve_target(const std::string& path) {
  struct stat link_info {};
  if (::lstat(path.c_str(), &link_info) != 0 || !S_ISLNK(link_info.st_mode)) return path;
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved) == nullptr) {
    fail(path, "it is a symbolic link to a missing file (" + errno_text(errno) + ")");
  }
  return resolved;
}

// Flushes a complete temporary to disk, so that a crash after the rename cannot leave an
// empty file under the final name.
void fsync_file(const std::string& path, const std::string& what) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(what, "cannot open " + path + " to flush it: " + errno_text(errno));
  const int synced = ::fsync(fd);
  const int sync_errno = errno;
  if (::close(fd) != 0) fail(what, "close failed: " + errno_text(errno));
  if (synced != 0) fail(what, "fsync failed: " + errno_text(sync_errno));
}

// Makes a rename durable. Best effort: some filesystems refuse fsync on directories.
void fsync_directory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string directory_of(const std::string& path) {
  const fs::path p(path);
  return p.has_parent_path() ? p.parent_path().string() : std::string(".");
}

}  // namespace

OutputFiles::OutputFiles(std::vector<std::string> inputs) : inputs_(std::move(inputs)) {}

OutputFiles::~OutputFiles() {
  for (const auto& o : outputs_) {
    if (!committed_) ::unlink(o->temp.c_str());
    detail::release_temporary(o->slot);
  }
}

const OutputFiles::Output* OutputFiles::find_if(const std::string& path) const {
  for (const auto& o : outputs_)
    if (o->path == path) return o.get();
  return nullptr;
}

OutputFiles::Output& OutputFiles::find(const std::string& path) {
  for (const auto& o : outputs_)
    if (o->path == path) return *o;
  throw core::Error("OutputFiles: " + path + " was never added as an output");
}

const std::string& OutputFiles::temp_path(const std::string& path) const {
  const Output* o = find_if(path);
  if (o == nullptr) throw core::Error("OutputFiles: " + path + " was never added as an output");
  return o->temp;
}

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> out;
  for (const auto& o : outputs_) out.push_back(o->path);
  return out;
}

const std::string& OutputFiles::add(const std::string& path) {
  if (committed_) throw core::Error("OutputFiles::add: " + path + ": already committed");
  if (const Output* existing = find_if(path)) return existing->temp;
  if (path.empty()) fail("\"\"", "empty path");

  auto o = std::make_unique<Output>();
  o->path = path;
  o->target = resolve_target(path);
  const std::string directory = directory_of(o->target);
  std::error_code ec;
  const fs::file_status dir_status = fs::status(directory, ec);
  if (!fs::exists(dir_status)) fail(path, "directory " + directory + " does not exist");
  if (!fs::is_directory(dir_status)) fail(path, directory + " is not a directory");

  struct stat target_info {};
  const bool exists = ::stat(o->target.c_str(), &target_info) == 0;
  if (exists) {
    if (!S_ISREG(target_info.st_mode)) {
      fail(path, std::string("it is ") + file_kind(target_info.st_mode) +
                     ", and outputs replace only regular files");
    }
    for (const std::string& input : inputs_) {
      struct stat input_info {};
      if (::stat(input.c_str(), &input_info) == 0 && same_file(target_info, input_info)) {
        fail(path, "it is the input file " + input +
                       (input == path ? "" : " (the same file)") + "; choose another output name");
      }
    }
  }
  const std::string canonical = fs::weakly_canonical(o->target, ec).string();
  for (const auto& other : outputs_) {
    if (fs::weakly_canonical(other->target, ec).string() == canonical) {
      fail(path, "it is also the output " + other->path + "; each output needs its own file");
    }
  }

  // Creating the temporary is the one reliable writability test (permissions, read-only
  // mounts, quotas, ACLs) and reserves the unique name. O_EXCL: never reuse someone's file.
  for (int attempt = 0; attempt < 8 && o->temp.empty(); ++attempt) {
    const std::string candidate =
        o->target + ".tmp." + std::to_string(::getpid()) + "." + random_suffix();
    int slot = -1;
    const int fd = detail::create_temporary(candidate, &slot);  // and registered at once
    if (fd >= 0) {
      ::close(fd);
      o->temp = candidate;
      o->slot = slot;
    } else if (errno != EEXIST) {
      fail(path, errno_text(errno));
    }
  }
  if (o->temp.empty()) fail(path, "cannot find an unused temporary name");
  outputs_.push_back(std::move(o));
  return outputs_.back()->temp;
}

void OutputFiles::write_hdf5(const std::string& path, const std::function<void(H5File&)>& fill,
                             HdfStaging staging) {
  const std::string temp = add(path);
  if (staging == HdfStaging::kInMemory) {
    std::string image;
    {
      H5File f = H5File::create_in_memory(path);
      fill(f);
      image = f.file_image();
      f.close();
    }
    write_text(path, image);  // every write, flush and close checked
  } else {
    try {
      H5File f = H5File::create(temp);
      fill(f);
      f.close();  // throws when the last flush fails (disk full, quota, file size limit)
    } catch (const core::Error& e) {
      // Messages name the file the user asked for, not its temporary.
      std::string message = e.what();
      for (size_t at = message.find(temp); at != std::string::npos; at = message.find(temp, at))
        message.replace(at, temp.size(), path);
      throw core::Error(message);
    }
  }
  // Verification: the file must open as HDF5 again (a truncated one does not).
  try {
    H5File::open_read(temp).close();
  } catch (const core::Error& e) {
    fail(path, std::string("the written file does not read back (") + e.what() + ")");
  }
  find(path).written = true;
}

void OutputFiles::write_text(const std::string& path, const std::string& content) {
  const std::string temp = add(path);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) fail(path, errno_text(errno));
  const size_t wrote = std::fwrite(content.data(), 1, content.size(), f);
  const int write_errno = errno;
  const bool flushed = std::fflush(f) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(f) == 0;
  const int close_errno = errno;
  if (wrote != content.size()) fail(path, "write failed: " + errno_text(write_errno));
  if (!flushed) fail(path, "write failed: " + errno_text(flush_errno));
  if (!closed) fail(path, "close failed: " + errno_text(close_errno));
  struct stat info {};
  if (::stat(temp.c_str(), &info) != 0 || static_cast<size_t>(info.st_size) != content.size()) {
    fail(path, "the written file has the wrong size");
  }
  find(path).written = true;
}

void OutputFiles::mark_written(const std::string& path) {
  Output& o = find(path);
  struct stat info {};
  if (::stat(o.temp.c_str(), &info) != 0 || !S_ISREG(info.st_mode) || info.st_size == 0) {
    fail(path, "nothing was written to " + o.temp);
  }
  o.written = true;
}

void OutputFiles::drop(const std::string& path) {
  for (auto it = outputs_.begin(); it != outputs_.end(); ++it) {
    if ((*it)->path != path) continue;
    ::unlink((*it)->temp.c_str());
    detail::release_temporary((*it)->slot);
    outputs_.erase(it);
    return;
  }
}

void OutputFiles::commit() {
  if (committed_) throw core::Error("OutputFiles::commit: already committed");
  for (const auto& o : outputs_) {
    if (!o->written) fail(o->path, "it was reserved but never written (nothing is replaced)");
    fsync_file(o->temp, o->path);
  }

  // With several outputs, keep a hard link to each previous file, so that a failed rename
  // can put back the ones already replaced. One output needs none: rename is atomic.
  const bool several = outputs_.size() > 1;
  std::vector<std::string> backup_names(outputs_.size());
  for (size_t i = 0; several && i < outputs_.size(); ++i)
    backup_names[i] = outputs_[i]->temp + ".previous";
  std::vector<bool> existed(outputs_.size(), false), backed_up(outputs_.size(), false);
  size_t failed = outputs_.size();
  int rename_errno = 0;
  {
    // The links and renames as one step that no signal cuts in half (system calls only).
    const detail::TemporariesChange change;
    for (size_t i = 0; several && i < outputs_.size(); ++i) {
      const Output& o = *outputs_[i];
      existed[i] = ::access(o.target.c_str(), F_OK) == 0;
      backed_up[i] = existed[i] && ::link(o.target.c_str(), backup_names[i].c_str()) == 0;
    }
    for (size_t i = 0; i < outputs_.size() && failed == outputs_.size(); ++i) {
      if (std::rename(outputs_[i]->temp.c_str(), outputs_[i]->target.c_str()) == 0) continue;
      rename_errno = errno;
      failed = i;
      for (size_t j = 0; j < i; ++j) {  // undo (the order does not matter: distinct files)
        const Output& done = *outputs_[j];
        if (backed_up[j]) {
          std::rename(backup_names[j].c_str(), done.target.c_str());
          backed_up[j] = false;  // restored, or (rename failed) kept: the only old copy
        } else if (!existed[j]) {
          ::unlink(done.target.c_str());
        }  // else: no hard links on this filesystem; the new file stays rather than nothing
      }
    }
    for (size_t i = 0; i < outputs_.size(); ++i)
      if (backed_up[i]) ::unlink(backup_names[i].c_str());
  }
  if (failed < outputs_.size()) {
    fail(outputs_[failed]->path, "rename failed: " + errno_text(rename_errno) +
                                     (failed > 0 ? " (the other outputs were restored)" : ""));
  }
  committed_ = true;
  for (const auto& o : outputs_) {
    detail::release_temporary(o->slot);
    o->slot = -1;
    fsync_directory(directory_of(o->target));
  }
}

void write_hdf5_file(const std::string& path, const std::function<void(H5File&)>& fill,
                     const std::vector<std::string>& inputs, HdfStaging staging) {
  OutputFiles out(inputs);
  out.write_hdf5(path, fill, staging);
  out.commit();
}

void write_text_file(const std::string& path, const std::string& content,
                     const std::vector<std::string>& inputs) {
  OutputFiles out(inputs);
  out.write_text(path, content);
  out.commit();
}

}  // namespace sbi::io

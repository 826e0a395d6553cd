#include "core/error.hpp"

namespace pv {

InputError::InputError(const std::filesystem::path& file, const std::string& what)
    : Error(file.string() + ": " + what), file_(file) {}

}  // namespace pv

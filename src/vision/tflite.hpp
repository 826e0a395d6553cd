#pragma once
// TFLite model reader: walks the flatbuffer with flatbuffers' generic Table access (field ids from the
// public TFLite schema, no generated code) and validates every table, vector and index it touches.
// A malformed file gives pv::InputError, never a crash.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace pv::vision::tflite {

// TensorType values of the TFLite schema.
enum class TensorType : std::int8_t { Float32 = 0, Float16 = 1, Int32 = 2, UInt8 = 3, Int64 = 4, Int8 = 9 };
size_t element_size(int type);  // 0 for types this reader does not handle

// BuiltinOperator codes of the TFLite schema (the ones the engine knows).
enum class Op : std::int32_t {
  Add = 0,
  AveragePool2D = 1,
  Concatenation = 2,
  Conv2D = 3,
  DepthwiseConv2D = 4,
  Dequantize = 6,
  FullyConnected = 9,
  Logistic = 14,
  MaxPool2D = 17,
  Mul = 18,
  Relu = 19,
  Relu6 = 21,
  Reshape = 22,
  ResizeBilinear = 23,
  Tanh = 28,
  Pad = 34,
  Mean = 40,
  Prelu = 54,
};
const char* op_name(std::int32_t code);

enum class Activation : std::int8_t { None = 0, Relu = 1, ReluN1To1 = 2, Relu6 = 3, Tanh = 4, SignBit = 5 };
enum class Padding : std::int8_t { Same = 0, Valid = 1 };

struct Tensor {
  std::string name;
  std::vector<int> shape;
  int type = 0;                          // TensorType value
  std::span<const std::uint8_t> data;    // constant data (empty for activations); points into Model::bytes
  std::size_t elements() const;
};

// Builtin options of the supported operators, flattened (unused fields keep their schema defaults).
struct Options {
  Padding padding = Padding::Same;
  int stride_w = 1, stride_h = 1;
  int dilation_w = 1, dilation_h = 1;
  int filter_w = 1, filter_h = 1;   // pooling
  int depth_multiplier = 1;
  Activation activation = Activation::None;
  int axis = 0;                     // concatenation
  bool keep_dims = false;           // mean, fully connected (keep_num_dims)
  bool align_corners = false, half_pixel_centers = false;  // resize bilinear
  std::vector<int> new_shape;       // reshape (options form)
};

struct Operator {
  std::int32_t code = 0;           // BuiltinOperator
  std::string custom_code;         // non-empty for custom ops
  std::vector<int> inputs, outputs;  // tensor indices; -1 = optional input absent
  Options options;
};

struct Model {
  std::filesystem::path source;     // file name (for messages)
  std::vector<std::uint8_t> bytes;  // the whole file; tensor data points into it (stable across moves)
  std::string description;
  std::vector<Tensor> tensors;
  std::vector<Operator> operators;  // in execution order (first subgraph)
  std::vector<int> inputs, outputs;

  const Tensor& tensor(int index) const { return tensors.at(static_cast<size_t>(index)); }
};

// Parses and validates; `name` is used in error messages. Throws pv::InputError.
Model parse(std::vector<std::uint8_t> bytes, const std::filesystem::path& name);
Model load(const std::filesystem::path& file);

}  // namespace pv::vision::tflite

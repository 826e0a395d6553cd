#pragma once
// Test helper: decodes a JPEG with libjpeg-turbo's default settings (the decoder the MediaPipe reference used).
#include <jpeglib.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace pvtest {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

inline RgbImage read_jpeg(const std::filesystem::path& file) {
  FILE* f = std::fopen(file.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + file.string());
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr jerr;
  cinfo.err = jpeg_std_error(&jerr);
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, f);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  RgbImage img;
  img.width = static_cast<int>(cinfo.output_width);
  img.height = static_cast<int>(cinfo.output_height);
  img.rgb.resize(static_cast<size_t>(img.width) * static_cast<size_t>(img.height) * 3);
  while (cinfo.output_scanline < cinfo.output_height) {
    unsigned char* row = img.rgb.data() + static_cast<size_t>(cinfo.output_scanline) * static_cast<size_t>(img.width) * 3;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  std::fclose(f);
  return img;
}

}  // namespace pvtest

/* Cairo (image, SVG and PDF surfaces) and FreeType, which loads the figures' font from its file
   so that no fontconfig lookup is involved. Include paths come from `pkg-config cairo`. */
#include <cairo.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
#include <cairo-ft.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include FT_SFNT_NAMES_H
#include FT_TRUETYPE_IDS_H

/// How one stage's values are cut into tiles: a (C, H, W) stage is C tiles of W x H cells, `perLine` to a line;
/// any other shape is one strip of `columns` values per line (wrapped), drawn with cells twice as large.
/// All sizes in pixels.
struct TileGeometry: Equatable {
    let channels: Int
    let columns: Int
    let rows: Int
    let cell: Int
    let perLine: Int
    let lines: Int

    init(shape: [Int], scale: Int, maxChannels: Int, vectorWrap: Int = 32) {
        if shape.count == 3, shape.allSatisfy({ $0 > 0 }) {
            channels = shape[0]
            columns = shape[2]
            rows = shape[1]
            cell = scale
            perLine = min(shape[0], maxChannels)
        } else {
            let n = max(1, shape.reduce(1, *))
            channels = 1
            columns = min(n, vectorWrap)
            rows = (n + vectorWrap - 1) / vectorWrap
            cell = 2 * scale
            perLine = 1
        }
        lines = (channels + perLine - 1) / perLine
    }

    var tileWidth: Int { columns * cell }
    var tileHeight: Int { rows * cell }
    var valuesPerTile: Int { columns * rows }
    /// Width and height of all tiles of one row kind, gaps included.
    var gridWidth: Int { perLine * tileWidth + (perLine - 1) * FigureStyle.gap }
    var gridHeight: Int { lines * tileHeight + (lines - 1) * FigureStyle.gap }

    /// Top-left corner of channel `c`'s tile relative to the grid.
    func origin(of c: Int) -> (x: Int, y: Int) {
        ((c % perLine) * (tileWidth + FigureStyle.gap), (c / perLine) * (tileHeight + FigureStyle.gap))
    }
}

/// How report.xlsx looks on screen and on paper: each column as wide as its widest cell (within
/// bounds, so one long message does not make a column a page wide), and a landscape page that
/// fits every column on one page wide, as many pages tall as the rows need.
enum XLSXLayout {
    /// Narrowest and widest column, in characters of the default font.
    static let minimumWidth = 6
    static let maximumWidth = 60
    /// A header cell is bold and carries the filter's drop-down button: room for both.
    static let headerExtra = 3
    /// A line of the default font, in points: the sheet's default row height.
    static let lineHeight = 15

    /// The `width` of a `<col>` for a column whose widest cell has `characters` characters.
    /// A character of a proportional font is on average a little wider than the `0` the unit is
    /// measured in (capitals, as in status codes, much wider): a tenth more, and two for the margins.
    static func width(_ characters: Int) -> Int { min(max((characters * 11 + 9) / 10 + 2, minimumWidth), maximumWidth) }

    /// A text's size as a spreadsheet shows it: its width in characters (Unicode scalars, not
    /// UTF-8 bytes) of its longest line, and its number of lines.
    static func size(_ text: String) -> (characters: Int, lines: Int) {
        var longest = 0, line = 0, lines = 1
        for b in text.utf8 {
            if b == 0x0A {
                longest = max(longest, line)
                line = 0
                lines += 1
            } else if b & 0xC0 != 0x80 {
                line += 1
            }
        }
        return (max(longest, line), lines)
    }

    /// After the autoFilter: margins, then landscape, fitted to one page wide (`fitToHeight` 0:
    /// as many pages tall as needed; `sheetPr`'s `fitToPage` turns the fitting on).
    static let printSetup = "<pageMargins left=\"0.4\" right=\"0.4\" top=\"0.6\" bottom=\"0.6\" header=\"0.3\" footer=\"0.3\"/>\n"
        + "<pageSetup orientation=\"landscape\" fitToWidth=\"1\" fitToHeight=\"0\"/>\n"
}

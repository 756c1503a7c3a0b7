/// The cells of RFC 4180 text (quotes doubled, CRLF or LF row ends), row by row; for checking reports.
public func csvCells(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], cell = ""
    var quoted = false, i = text.unicodeScalars.startIndex
    let s = text.unicodeScalars
    while i < s.endIndex {
        let c = s[i]
        if quoted {
            if c == "\"" {
                let n = s.index(after: i)
                if n < s.endIndex, s[n] == "\"" { cell.unicodeScalars.append("\""); i = s.index(after: n); continue }
                quoted = false
            } else {
                cell.unicodeScalars.append(c)
            }
        } else if c == "\"" {
            quoted = true
        } else if c == "," {
            row.append(cell); cell = ""
        } else if c == "\n" || c == "\r" {
            if c == "\r", s.index(after: i) < s.endIndex, s[s.index(after: i)] == "\n" { i = s.index(after: i) }
            row.append(cell); rows.append(row); row = []; cell = ""
        } else {
            cell.unicodeScalars.append(c)
        }
        i = s.index(after: i)
    }
    if !cell.isEmpty || !row.isEmpty { row.append(cell); rows.append(row) }
    return rows
}

import Foundation

/// The one writer of every CSV the tools write (evaluate's per-sample file, verify's results): fields quoted per
/// RFC 4180 section 2 (rules 5-7): a field holding a comma, a double quote, CR or LF is enclosed in double quotes,
/// and each double quote inside it is doubled (`a,b"c.ckpt` -> `"a,b""c.ckpt"`). Other fields are written as they
/// are, so the common file (paths and numbers) reads the same as before; a field with a space or tab at either
/// end is quoted as well (see `field`). `CSVTable` reads every such file back. Rows end in LF (the tools' files are
/// read by Python's csv, pandas and spreadsheets, which all take LF).
public enum CSVWriter {
    /// `field` as one CSV field.
    public static func field(_ field: String) -> String {
        // A field that starts or ends with a space or tab is quoted too: `CSVTable`, the reader, refuses such
        // spaces unquoted (they are usually a slip), so the tools' own files read back field for field.
        let edges = [field.unicodeScalars.first, field.unicodeScalars.last]
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                || edges.contains(where: { $0 == " " || $0 == "\t" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: the fields quoted as needed, joined by commas, ended by LF.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}

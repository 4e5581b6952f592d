import Foundation

/// The one writer of every CSV the tools write (evaluate's per-sample file, verify's results): fields quoted per
/// RFC 4180 section 2 (rules 5-7): a field holding a comma, a double quote, CR or LF is enclosed in double quotes,
/// and each double quote inside it is doubled (`a,b"c.ckpt` -> `"a,b""c.ckpt"`). Other fields are written as they
/// are, so the common file (paths and numbers) reads the same as before. Rows end in LF (the tools' files are
/// read by Python's csv, pandas and spreadsheets, which all take LF).
public enum CSVWriter {
    /// `field` as one CSV field.
    public static func field(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record: the fields quoted as needed, joined by commas, ended by LF.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\n"
    }
}

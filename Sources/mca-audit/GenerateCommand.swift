import ArgumentParser
import Foundation
import MCAGenerate
import MCAModel

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write deterministic synthetic customers, agreements, orders and subscriptions exports.",
        discussion: """
            Writes DIR/customers.<ext>, DIR/agreements.<ext>, DIR/orders.<ext> and DIR/subscriptions.<ext> \
            with every case of the rules represented (and ~0.1% bad rows). The subscriptions file is a \
            snapshot of the subscriptions the order lines create (their current seats; usage-based, \
            suspended, expired, deleted and pending ones too), for `audit --subscriptions`. The same \
            arguments always give byte-identical files.

            --orders-layout reconciliation (CSV only) writes the orders as a new-commerce billed invoice \
            reconciliation file: the 47 columns of Microsoft Learn's "Learn how to read new commerce \
            invoice reconciliation files in Partner Center" (PartnerId,CustomerId,CustomerName,...,\
            ChargeType,UnitPrice,Quantity,...,SubscriptionId,ChargeStartDate,...,UnitType,...,\
            ProductCategory; the 8th column is Tier2MpnId), one row per charge, OrderDate in ISO 8601 \
            UTC as the API writes it. Give the audit --subscriptions for seats: a charge's quantity is \
            not a subscription's size.

            --resellers N spreads the customers over N resellers (default: one per 100 customers, at \
            least 1; 0: every customer buys direct): ~20% of customers direct, ~8% through two resellers \
            (their subscriptions split between them), the others through one. Order lines carry the \
            reseller's MPN ID as PartnerIdOnRecord (reconciliation layout: Tier2MpnId), subscriptions as \
            PartnerId; a direct customer's is empty, -1 or 0 (reconciliation: also the partner's own MpnId).

            Exit codes: 0 ok, 64 usage, 73 a file could not be written.
            """)

    @Option(name: .customLong("customers"), help: ArgumentHelp("Customers rows.", valueName: "n"))
    var customers: Int
    @Option(name: .customLong("orders"), help: ArgumentHelp("Order line items (orders hold 1-3 each; reconciliation layout: charges).", valueName: "n"))
    var orders: Int
    @Option(name: .customLong("agreements"), help: ArgumentHelp("Agreements rows (default: as many as customers).", valueName: "n"))
    var agreements: Int?
    @Option(name: .customLong("seed"), help: ArgumentHelp("Random seed.", valueName: "s"))
    var seed: UInt64 = 1
    @Option(name: .customLong("out"), help: ArgumentHelp("Output folder (created if missing).", valueName: "dir"))
    var out: String
    @Option(name: .customLong("format"), help: ArgumentHelp("csv, xml or json.", valueName: "format"))
    var format: String = "csv"
    @Option(name: .customLong("orders-layout"),
            help: ArgumentHelp("line-items (default) or reconciliation (CSV only).", valueName: "layout"))
    var ordersLayout: String = OrdersLayout.lineItems.rawValue
    @Option(name: .customLong("resellers"),
            help: ArgumentHelp("Distinct resellers (default: customers/100, at least 1; 0: all direct).", valueName: "n"))
    var resellers: Int?

    func validate() throws {
        do {
            try generateOptions().validate()
        } catch GenerateError.invalidOption(let message) {
            throw ValidationError(message)
        }
    }

    private func generateOptions() throws -> GenerateOptions {
        guard let fileFormat = InputFormat(rawValue: format.lowercased()) else {
            throw ValidationError("--format \(format): expected csv, xml or json")
        }
        guard let layout = OrdersLayout(rawValue: ordersLayout.lowercased()) else {
            throw ValidationError("--orders-layout \(ordersLayout): expected line-items or reconciliation")
        }
        return GenerateOptions(customers: customers, orderLines: orders, agreements: agreements, seed: seed,
                               format: fileFormat, ordersLayout: layout, resellers: resellers)
    }

    func run() throws {
        let options = try generateOptions()
        let showProgress = isatty(STDERR_FILENO) != 0
        do {
            let files = try ExportGenerator.generate(options, into: out) { kind, done, total in
                guard showProgress, total > 0 else { return }
                let percent = done * 100 / total
                FileHandle.standardError.write(Data("\rgenerating \(kind.rawValue): \(percent)%   ".utf8))
            }
            if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            for f in files {
                let unit = f.kind != .orders ? "rows" : options.ordersLayout == .reconciliation ? "charges" : "order lines"
                print("\(f.path): \(f.records) \(unit), \(f.bytes) bytes")
            }
        } catch let error as GenerateError {
            FileHandle.standardError.write(Data("mca-audit generate: \(error)\n".utf8))
            switch error {
            case .invalidOption: throw ExitCode(64)
            case .cannotWrite: throw ExitCode(73)
            }
        }
    }
}

import Foundation

/// A bounded first-in first-out hand-over between one producer thread and one consumer thread.
///
/// `put` blocks while `capacity` items wait, so the producer never runs more than that far ahead
/// and memory stays bounded; `close` (by the consumer) makes every later `put` return `false`.
final class HandOver<Item: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// A ring: `count` items from `head`; a taken slot is emptied at once, so nothing taken stays alive.
    private var slots: [Item?]
    private var head = 0
    private var count = 0
    private var closed = false

    init(capacity: Int) { slots = Array(repeating: nil, count: max(1, capacity)) }

    /// Waits for room; `false` when the consumer has closed the hand-over (the item is dropped).
    func put(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == slots.count, !closed { condition.wait() }
        guard !closed else { return false }
        slots[(head + count) % slots.count] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// Waits for the next item; `nil` once the hand-over is closed.
    func take() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0, !closed { condition.wait() }
        guard count > 0 else { return nil }
        let item = slots[head]!
        slots[head] = nil
        head = (head + 1) % slots.count
        count -= 1
        condition.broadcast()
        return item
    }

    /// The consumer stops listening: a waiting or later `put` returns `false`.
    func close() {
        condition.lock()
        closed = true
        for i in slots.indices { slots[i] = nil }
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}

/// Runs `body` on its own thread (stack large enough for the readers' parsers).
func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = name
    thread.stackSize = 16 << 20
    thread.start()
}

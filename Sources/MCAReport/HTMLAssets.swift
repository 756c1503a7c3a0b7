import MCAModel
/// The inline stylesheet and script of `report.html`. Neither may name a URL: the page must work offline.
enum HTMLAssets {
    static let style = """
    :root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f3f5f7; --bad: #b42318; --warn: #9a6700; --ok: #1a7f37; }
    * { box-sizing: border-box; }
    body { margin: 0; padding: 0 1.5rem 2rem; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
    header { border-bottom: 2px solid var(--line); padding: 1rem 0 .5rem; }
    h1 { font-size: 1.6rem; margin: 0 0 .5rem; }
    h2 { font-size: 1.2rem; margin: 2rem 0 .25rem; }
    h2 .total { color: var(--muted); font-weight: normal; }
    .facts { display: flex; flex-wrap: wrap; gap: .25rem 2rem; margin: 0; }
    .facts div { display: flex; gap: .4rem; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; font-weight: 600; }
    .lead { font-size: 1.05rem; margin: .5rem 0 0; }
    .note { color: var(--muted); margin: 0 0 .5rem; }
    .counts { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .5rem; }
    .counts li { border: 1px solid var(--line); border-radius: 6px; padding: .4rem .8rem; min-width: 9rem; }
    .counts .n { display: block; font-size: 1.4rem; font-weight: 700; }
    .counts .bad .n { color: var(--bad); }
    .counts .warn .n { color: var(--warn); }
    .notices { border-left: 4px solid var(--warn); padding: .25rem 1rem; margin: 1rem 0; background: var(--panel, transparent); }
    .notices ul { margin: .25rem 0; padding-left: 1rem; }
    figure.chart { margin: 1rem 0; }
    figure.chart svg { max-width: 100%; height: auto; }
    figure.chart figcaption { color: var(--muted); }
    svg .label, svg .value { font-size: 13px; fill: var(--ink); }
    svg .bar { fill: #8c959f; }
    svg .s-confirmed { fill: var(--ok); }
    svg .s-unconfirmed { fill: var(--bad); }
    svg .s-invalid { fill: var(--warn); }
    svg .s-out-of-scope { fill: #8c959f; }
    svg .axis { stroke: var(--line); stroke-width: 1; }
    svg .tick { font-size: 11px; fill: var(--muted); }
    svg .line { fill: none; stroke-width: 2; }
    svg .line.s-unconfirmed { stroke: var(--bad); }
    svg .line.s-invalid { stroke: var(--warn); }
    svg .line.s-blocked { stroke: #6639ba; }
    svg .line.s-violations { stroke: #0969da; }
    .key { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: baseline; }
    .key.s-unconfirmed { background: var(--bad); }
    .key.s-invalid { background: var(--warn); }
    .key.s-blocked { background: #6639ba; }
    .key.s-violations { background: #0969da; }
    .scroll { overflow-x: auto; }
    table.data { border-collapse: collapse; width: 100%; }
    table.data caption { text-align: left; font-weight: 600; padding: .25rem 0; }
    table.data th, table.data td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
    table.data thead th { background: var(--head); position: sticky; top: 0; }
    table.data th.sortable { cursor: pointer; user-select: none; }
    table.data th[aria-sort="ascending"]::after { content: " \\25B2"; }
    table.data th[aria-sort="descending"]::after { content: " \\25BC"; }
    table.data tbody tr:nth-child(even) { background: #f9fafb; }
    .num { text-align: right !important; font-variant-numeric: tabular-nums; }
    .hash { font-family: ui-monospace, monospace; font-size: 12px; word-break: break-all; }
    .tools { display: flex; gap: 1rem; align-items: center; margin: .25rem 0; }
    .tools input { padding: .3rem .5rem; min-width: 18rem; border: 1px solid var(--line); border-radius: 4px; }
    .tools .shown { color: var(--muted); }
    .more, .none { font-style: italic; }
    footer { margin-top: 2rem; color: var(--muted); border-top: 1px solid var(--line); }
    @media print {
      body { padding: 0; font-size: 10px; }
      .tools { display: none; }
      .scroll { overflow: visible; }
      table.data thead { display: table-header-group; }
      table.data thead th { position: static; }
      table.data tr { break-inside: avoid; }
      section { break-before: auto; }
      h2 { break-after: avoid; }
      figure.chart, .counts li { break-inside: avoid; }
      * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
    }

    """

    /// Sorting (click or Enter on a column header) and a filter box per table. Rows are only
    /// reordered or hidden, so with JavaScript off the page shows the same tables, unsorted by hand.
    static let script = """
    (function () {
      'use strict';
      function key(row, column, numeric) {
        var cell = row.cells[column];
        var text = cell ? cell.textContent.trim() : '';
        if (!numeric) { return text.toLowerCase(); }
        var number = parseFloat(text);
        return isNaN(number) ? -Infinity : number;
      }
      Array.prototype.forEach.call(document.querySelectorAll('table.data'), function (table) {
        var body = table.tBodies[0];
        if (!body || !table.tHead) { return; }
        var headers = table.tHead.rows[0].cells;
        Array.prototype.forEach.call(headers, function (th, column) {
          th.classList.add('sortable');
          th.tabIndex = 0;
          function sort() {
            var numeric = th.getAttribute('data-type') === 'number';
            var ascending = th.getAttribute('aria-sort') !== 'ascending';
            Array.prototype.forEach.call(headers, function (h) { h.removeAttribute('aria-sort'); });
            th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
            var rows = Array.prototype.map.call(body.rows, function (row, index) {
              return { row: row, key: key(row, column, numeric), index: index };
            });
            rows.sort(function (a, b) {
              var order = a.key < b.key ? -1 : (a.key > b.key ? 1 : 0);
              return (ascending ? order : -order) || a.index - b.index;
            });
            var fragment = document.createDocumentFragment();
            rows.forEach(function (entry) { fragment.appendChild(entry.row); });
            body.appendChild(fragment);
          }
          th.addEventListener('click', sort);
          th.addEventListener('keydown', function (event) {
            if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sort(); }
          });
        });
        var tools = document.createElement('div');
        tools.className = 'tools';
        var input = document.createElement('input');
        input.type = 'search';
        input.placeholder = 'Filter rows';
        input.setAttribute('aria-label', 'Filter ' + (table.caption ? table.caption.textContent : 'table'));
        var shown = document.createElement('span');
        shown.className = 'shown';
        shown.setAttribute('aria-live', 'polite');
        input.addEventListener('input', function () {
          var query = input.value.trim().toLowerCase();
          var visible = 0;
          Array.prototype.forEach.call(body.rows, function (row) {
            var match = !query || row.textContent.toLowerCase().indexOf(query) !== -1;
            row.hidden = !match;
            if (match) { visible += 1; }
          });
          shown.textContent = query ? visible + ' of ' + body.rows.length + ' rows' : '';
        });
        tools.appendChild(input);
        tools.appendChild(shown);
        table.parentNode.insertBefore(tools, table);
      });
    })();

    """
}

extension HTMLReport {
    /// The page's only styles, inline (system fonts; no `<` or `&`, so the page stays well-formed XML).
    static let stylesheet = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
               margin: 24px 32px; color: #1f2328; background: #fff; font-size: 14px; line-height: 1.4; }
        h1 { font-size: 24px; margin: 0 0 4px; }
        h2 { font-size: 19px; margin: 28px 0 6px; border-bottom: 1px solid #d0d7de; padding-bottom: 4px; }
        h3 { font-size: 15px; margin: 16px 0 6px; color: #424a53; }
        h4 { font-size: 14px; margin: 10px 0 4px; }
        code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
        .summary { font-size: 15px; font-weight: 600; margin: 4px 0 12px; }
        .note, .figures, .origin { color: #57606a; }
        table { border-collapse: collapse; margin: 6px 0 12px; }
        th, td { border: 1px solid #d0d7de; padding: 3px 8px; text-align: left; vertical-align: top; }
        th { background: #f6f8fa; font-weight: 600; }
        table.files td, table.files th { font-size: 12.5px; }
        table.matrix th { text-align: center; }
        table.matrix th.layer { text-align: left; vertical-align: middle; }
        table.matrix th.layer a { color: #0969da; text-decoration: none; }
        table.matrix th.direction { font-weight: 500; font-size: 12px; color: #57606a; }
        table.matrix td.spark { white-space: nowrap; vertical-align: middle; }
        table.matrix td.spark svg { display: inline-block; vertical-align: middle; }
        .maxu { font-size: 11.5px; color: #57606a; margin-left: 6px; font-variant-numeric: tabular-nums; }
        details.files { margin: 4px 0 8px; color: #424a53; }
        details.files summary { cursor: pointer; }
        table.matrix td.cell { text-align: center; min-width: 76px; padding: 4px 6px; vertical-align: middle; }
        td.cell a { color: inherit; text-decoration: none; display: block; }
        td.cell .count { font-weight: 700; font-variant-numeric: tabular-nums; }
        td.cell .badge { display: block; font-size: 11px; }
        .passed.cell, .swatch.passed { background: #c9f0d3; }
        .mixed.cell, .swatch.mixed { background: #e6f4c4; }
        .failed.cell, .swatch.failed { background: #ffc9c9; }
        .skipped.cell, .swatch.skipped { background: #e5e7eb; }
        .empty.cell, .swatch.empty { background: #fafbfc; color: #afb8c1; }
        .legend { font-size: 12.5px; color: #57606a; }
        .swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid #d0d7de;
                  vertical-align: -2px; margin-left: 10px; }
        .badge { border-radius: 8px; padding: 0 6px; margin-left: 6px; font-size: 12px; }
        .badge.passed { background: #c9f0d3; } .badge.failed { background: #ffc9c9; }
        .badge.error { background: #ffd8a8; } .badge.skipped { background: #e5e7eb; }
        td.cell .badge { background: none; padding: 0; margin: 0; }
        section.layer { margin-top: 12px; }
        div.histogram svg { display: block; }
        svg .bar.exact { fill: #3b82f6; } svg .bar.comfortable { fill: #16a34a; }
        svg .bar.inside { fill: #84cc16; } svg .bar.scraping { fill: #f59e0b; } svg .bar.beyond { fill: #dc2626; }
        svg .grid { stroke: #eaeef2; } svg .axis { stroke: #57606a; }
        svg .bound { stroke: #dc2626; stroke-dasharray: 4 3; }
        svg text { font-size: 10px; fill: #57606a; }
        svg .ylabel { text-anchor: end; } svg .xlabel { text-anchor: middle; }
        svg .axislabel { text-anchor: middle; font-size: 11px; } svg .boundlabel { fill: #dc2626; }
        ul.cells { padding-left: 18px; }
        ul.cells li { margin: 3px 0; }
        a.caselink { display: inline-block; margin-right: 8px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px;
                     text-decoration: none; }
        a.caselink.passed { color: #1a7f37; } a.caselink.failed, a.caselink.error { color: #cf222e; font-weight: 700; }
        a.caselink.skipped { color: #6e7781; }
        details.case { border: 1px solid #d0d7de; border-radius: 6px; padding: 4px 10px; margin: 6px 0; }
        details.case summary { cursor: pointer; }
        details.case .used { color: #57606a; margin-left: 10px; font-size: 12px; }
        table.config th { font-weight: 500; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
        table.config tr.defaults td, table.config tr.defaults th { color: #8c959f; font-size: 12px; }
        .shapes .shape { display: inline-block; margin-right: 14px; font-family: ui-monospace, "DejaVu Sans Mono", monospace;
                         font-size: 12px; }
        div.backend { margin: 6px 0 10px; padding-left: 10px; border-left: 3px solid #c9f0d3; }
        div.backend.failed, div.backend.error { border-left-color: #ff8182; }
        div.backend.skipped { border-left-color: #d0d7de; }
        .message { color: #cf222e; }
        .warning { color: #9a6700; }
        .badge.disputed { background: #fff1c2; } td.cell .badge.disputed { color: #9a6700; }
        p.disputed { color: #9a6700; }
        table.elements td { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; text-align: right; }
        table.elements tr.over td { background: #fff0f0; }
        """
}

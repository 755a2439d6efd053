/* Keyboard use of the calendar tables (table[data-grid-keys]).
 *
 * Roving tabindex over the data cells: one cell is in the tab order (tabindex 0),
 * the others have tabindex -1. Arrow keys move between cells (from a cell or from a
 * link inside it), Home/End go to the first/last cell of the row, Ctrl+Home/Ctrl+End
 * to the first/last cell of the table. Links inside cells stay reachable with Tab.
 * The hint named by data-grid-keys is shown once this is active.
 */
(function () {
  'use strict';

  function dataCells(row) {
    return Array.prototype.filter.call(row.cells, function (cell) {
      return cell.tagName === 'TD';
    });
  }

  function enhance(table) {
    var body = table.tBodies[0];
    if (!body) {
      return;
    }
    var rows = Array.prototype.map.call(body.rows, dataCells).filter(function (cells) {
      return cells.length > 0;
    });
    if (!rows.length) {
      return;
    }
    var current = rows[0][0];
    rows.forEach(function (cells) {
      cells.forEach(function (cell) {
        cell.setAttribute('tabindex', cell === current ? '0' : '-1');
      });
    });
    var hint = document.getElementById(table.getAttribute('data-grid-keys'));
    if (hint) {
      hint.hidden = false;
    }

    function position(cell) {
      for (var r = 0; r < rows.length; r++) {
        var c = rows[r].indexOf(cell);
        if (c !== -1) {
          return [r, c];
        }
      }
      return null;
    }

    function makeCurrent(cell) {
      if (cell !== current) {
        current.setAttribute('tabindex', '-1');
        cell.setAttribute('tabindex', '0');
        current = cell;
      }
    }

    table.addEventListener('focusin', function (event) {
      var cell = event.target.closest('td');
      if (cell && position(cell)) {
        makeCurrent(cell);
      }
    });

    table.addEventListener('keydown', function (event) {
      if (event.altKey || event.metaKey || event.shiftKey) {
        return;
      }
      var cell = event.target.closest('td');
      var at = cell && position(cell);
      if (!at) {
        return;
      }
      var r = at[0];
      var c = at[1];
      switch (event.key) {
        case 'ArrowRight': c += 1; break;
        case 'ArrowLeft': c -= 1; break;
        case 'ArrowDown': r += 1; break;
        case 'ArrowUp': r -= 1; break;
        case 'Home':
          if (event.ctrlKey) { r = 0; }
          c = 0;
          break;
        case 'End':
          if (event.ctrlKey) { r = rows.length - 1; }
          c = rows[r].length - 1;
          break;
        default:
          return;
      }
      event.preventDefault();
      r = Math.max(0, Math.min(rows.length - 1, r));
      c = Math.max(0, Math.min(rows[r].length - 1, c));
      makeCurrent(rows[r][c]);
      rows[r][c].focus();
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('table[data-grid-keys]'), enhance);
}());

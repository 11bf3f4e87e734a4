
function cellKey(td){const v=td.getAttribute('data-sort');if(v!==null&&v!=='')return parseFloat(v);
 const t=td.textContent.trim();const m=t.match(/^[-+]?\d*\.?\d+(e[-+]?\d+)?/i);return m?parseFloat(m[0]):t.toLowerCase();}
function sortTable(th){const table=th.closest('table');const body=table.tBodies[0];const col=th.cellIndex;
 const order=th.getAttribute('data-order')==='desc'?'asc':'desc';
 table.querySelectorAll('th').forEach(h=>h.removeAttribute('data-order'));th.setAttribute('data-order',order);
 const better=th.getAttribute('data-better')||'high';const sign=(order==='desc')===(better!=='low')?-1:1;
 const rows=Array.from(body.rows);
 rows.sort((a,b)=>{const x=cellKey(a.cells[col]),y=cellKey(b.cells[col]);
  const xn=typeof x!=='number'||isNaN(x),yn=typeof y!=='number'||isNaN(y);
  if(xn&&yn)return String(x).localeCompare(String(y));if(xn)return 1;if(yn)return -1;return sign*(x-y);});
 rows.forEach(r=>body.appendChild(r));}
document.querySelectorAll('table.sortable th').forEach(th=>th.addEventListener('click',()=>sortTable(th)));


const D=JSON.parse(document.getElementById('run-data').textContent);
const F=D.filter?D.groups[D.filter]:null;
const CATS=F?F.names:['all'];
const scatterDivs=[];
const esc=t=>String(t).replace(/[&<>"']/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&#34;',"'":'&#39;'}[c]));
function itemText(i){let s='<b>'+esc(D.items[i])+'</b>';
 for(const [g,v] of Object.entries(D.groups))s+='<br>'+esc(g)+': '+esc(v.names[v.codes[i]]);
 return s+'<br>'+esc(D.score_label)+': '+esc(D.score[i]);}
function showItem(i){const p=document.getElementById('item-panel');if(!p)return;p.hidden=false;
 let h='<div>'+itemText(i)+'</div>';
 if(D.thumbs){const r=D.thumbs.ref[D.thumbs.ref_of[i]],d=D.thumbs.dist[i];
  h+='<div class="thumbs">'+(r?'<img alt="reference" src="'+esc(r)+'">':'')+(d?'<img alt="distorted" src="'+esc(d)+'">':'')+'</div>';}
 p.innerHTML=h;}
function setVisible(ci,on){document.querySelectorAll('input.cat[data-cat="'+ci+'"]').forEach(b=>b.checked=on);
 scatterDivs.forEach(div=>{const idx=[];div.data.forEach((t,k)=>{if(t.meta===ci)idx.push(k);});
  if(idx.length)Plotly.restyle(div,{visible:on?true:'legendonly'},idx);});}
if(D.metrics.length){
 const box=document.getElementById('filters');
 if(F){CATS.forEach((c,ci)=>{const l=document.createElement('label');
   l.innerHTML='<input type="checkbox" class="cat" checked data-cat="'+ci+'"> <span style="color:'+D.palette[ci%D.palette.length]+'">&#9679;</span> '+esc(c);
   box.appendChild(l);});
  box.querySelectorAll('input.cat').forEach(b=>b.addEventListener('change',()=>setVisible(+b.dataset.cat,b.checked)));
  const all=document.getElementById('filter-all'),none=document.getElementById('filter-none');
  all.addEventListener('click',()=>CATS.forEach((c,ci)=>setVisible(ci,true)));
  none.addEventListener('click',()=>CATS.forEach((c,ci)=>setVisible(ci,false)));}
 const grid=document.getElementById('scatters');
 D.metrics.forEach((m,k)=>{const div=document.createElement('div');div.id='scatter-'+k;div.className='metric-scatter';
  div.setAttribute('data-spec',m.spec);grid.appendChild(div);
  const traces=CATS.map((c,ci)=>{const idx=[];
   for(let i=0;i<m.values.length;i+=1){if(m.values[i]===null||D.score[i]===null)continue;
    if(D.every>1&&i%D.every)continue;if(F&&F.codes[i]!==ci)continue;idx.push(i);}
   return {type:'scatter',mode:'markers',name:c,meta:ci,legendgroup:c,x:idx.map(i=>m.values[i]),
    y:idx.map(i=>D.score[i]),customdata:idx,text:idx.map(i=>itemText(i)),
    hovertemplate:'%{text}<br>'+esc(m.label).replace(/%/g,'%%')+': %{x:.6g}<extra></extra>',
    marker:{size:5,opacity:0.75,color:D.palette[ci%D.palette.length]}};});
  if(m.curve)traces.push({type:'scatter',mode:'lines',name:D.fit+' fit',x:m.curve.x,y:m.curve.y,
   hoverinfo:'skip',showlegend:false,line:{color:'black',width:1.5}});
  Plotly.newPlot(div,traces,{title:{text:esc(m.label)+(m.stats?'<br><sup>'+esc(m.stats)+'</sup>':''),font:{size:13},x:0.02,xanchor:'left',y:0.97,yanchor:'top'},
   height:390,margin:{l:55,r:30,t:60,b:45},showlegend:false,hovermode:'closest',modebar:{orientation:'v'},
   xaxis:{title:{text:esc(m.label)+(m.log?' (log axis)':'')},type:m.log?'log':'linear'},
   yaxis:{title:{text:esc(D.score_label)}}},{responsive:true,displaylogo:false});
  div.on('plotly_hover',e=>{if(e.points.length&&e.points[0].customdata!==undefined)showItem(e.points[0].customdata);});
  scatterDivs.push(div);});}
if(D.loro){const r=D.loro;Plotly.newPlot('loro',[{type:'scatter',mode:'markers',orientation:'h',
  y:r.map(v=>esc(v.label)),x:r.map(v=>v.srocc),name:'all references',
  error_x:{type:'data',symmetric:false,array:r.map(v=>v.max-v.srocc),arrayminus:r.map(v=>v.srocc-v.min)},
  hovertemplate:'%{y}: SROCC %{x:.3f}<extra></extra>'}],
  {height:Math.max(250,22*r.length+80),margin:{l:Math.min(420,30+6.5*Math.max(...r.map(v=>v.label.length))),r:30,t:10,b:40},modebar:{orientation:'v'},xaxis:{title:{text:'|SROCC| (bars: range with one reference image left out)'}},
   yaxis:{autorange:'reversed'}},{displaylogo:false});}
if(D.significance){const S=D.significance;const tests=Object.keys(S.tests);const first=S.tests[tests[0]];
 const margin=Math.min(420,30+6.5*Math.max(...S.names.map(n=>n.length)));
 const scale=[[0,'#d73027'],[0.333,'#d73027'],[0.334,'#e0e0e0'],[0.666,'#e0e0e0'],[0.667,'#1a9850'],[1,'#1a9850']];
 Plotly.newPlot('heatmap',[{type:'heatmap',z:first.z,text:first.text,x:S.names.map(esc),y:S.names.map(esc),zmin:-1,zmax:1,
   colorscale:scale,hovertemplate:'%{text}<extra></extra>',xgap:1,ygap:1,
   colorbar:{tickvals:[-1,0,1],ticktext:['row worse','not distinguishable','row better']}}],
  {height:Math.max(420,24*S.names.length+20+margin),margin:{l:margin,r:20,t:110,b:margin},modebar:{orientation:'v'},
   title:{text:esc(first.title),font:{size:13},x:0.01,xanchor:'left',y:0.99,yanchor:'top'},yaxis:{autorange:'reversed'},
   updatemenus:[{type:'buttons',direction:'right',x:0,y:1.02,xanchor:'left',yanchor:'bottom',
    buttons:tests.map(t=>({label:t==='f'?'F-test':t==='williams'?'Williams':'Δ'+t.toUpperCase()+' bootstrap',method:'update',
     args:[{z:[S.tests[t].z],text:[S.tests[t].text]},{'title.text':esc(S.tests[t].title)}]}))}]},{displaylogo:false});}

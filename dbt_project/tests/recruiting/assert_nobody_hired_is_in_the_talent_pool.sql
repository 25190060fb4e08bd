-- Fails for every person in the talent pool who has been hired: the pool is for people to approach again.
select pool.candidate_id
from {{ ref('talent_pool') }} as pool
inner join {{ ref('candidates') }} as candidates on candidates.candidate_id = pool.candidate_id
where candidates.is_hired
